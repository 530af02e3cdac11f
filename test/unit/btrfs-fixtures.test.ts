/**
 * btrfs through the whole replay pipeline (classify → queue → store → stdout) over fixtures recorded
 * on the real 6.18 kernel (test/fixtures/README.md "btrfs"), plus the line parser on each message
 * type of kernel-error-sources' catalogue, the counter total, and the conformance kit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { fixturesDir } from '../helpers/paths';
import { parseLine } from '../../plugins/btrfs/kmsg-lines';
import { totalErrors } from '../../plugins/btrfs/counters';
import { btrfsPlugin } from '../../plugins/btrfs';
import { readReplayFile } from '../../core/sources/replay-source';
import { runPluginConformance } from '../conformance/plugin-kit';

function replay(name: string): Record<string, unknown>[] {
  const r = runCli(['watch', '--replay', path.join(fixturesDir, name), '--once', '--json', '--no-store'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('btrfs fixtures (real kernel) through the pipeline', () => {
  it('a corrupted data extent: one ERROR for root 5 ino 257, EIO, count = corruption_errs (2), no loss', () => {
    const events = replay('btrfs-csum.jsonl');
    assert.deepEqual(events.map((e) => e.kind), ['ERROR']);
    const e = events[0]!;
    const blob = e.blob as Record<string, unknown>;
    assert.equal(e.plugin, 'btrfs');
    assert.equal(e.inode, 257);
    assert.equal(e.errno, 5);
    assert.equal(e.count, 2);
    assert.deepEqual(e.subtypes, ['data', 'checksum']);
    assert.deepEqual([blob.messageType, blob.root, blob.ino, blob.off, blob.mirror, blob.bdev], ['csum-data', 5, 257, 0, 1, '/dev/loop0']);
    assert.equal(blob.csum, '0x9d1c13fd');
    assert.equal(blob.expected, '0xdb4055b1');
  });

  it('EIO from the disk under a data extent (FUSE-backed loop file): one ERROR on the device, rd 1, count = read_errs, no loss', () => {
    const events = replay('btrfs-eio.jsonl');
    assert.deepEqual(events.map((e) => e.kind), ['ERROR'], JSON.stringify(events));
    const e = events[0]!;
    const blob = e.blob as Record<string, unknown>;
    assert.deepEqual([e.plugin, e.errno, e.count, e.device, e.fsType, e.uuid], ['btrfs', 5, 1, 'loop0', 'btrfs', 'a99fa292-bc3f-479f-aeb4-c402f68e2552']);
    assert.deepEqual([blob.messageType, blob.bdev, blob.readErrs, blob.writeErrs, blob.corruptionErrs], ['devstats', '/dev/loop0', 1, 0, 0]);
    assert.deepEqual(e.subtypes, ['io']);
  });

  it('metadata write EIO → transaction abort: write errors counted, then exactly one DIED with the rest suppressed', () => {
    const events = replay('btrfs-abort.jsonl');
    assert.deepEqual(events.map((e) => e.kind), ['ERROR', 'DIED']);
    const [io, died] = events as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(io.count, 2, 'two `bdev … errs: wr N` lines');
    assert.deepEqual(io.subtypes, ['io']);
    assert.deepEqual(died.death, { reason: 'transaction-abort', suppressed: 2 });
    assert.equal(died.count, 3, 'abort + the two `BTRFS: error … in fn` lines it suppressed');
  });
});

describe('btrfs line parser', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['BTRFS warning (device loop0): csum failed root 5 ino 257 off 4096 csum 0x8941f998 expected csum 0x27484276 mirror 1', 'csum-data', { root: '5', ino: '257', off: '4096', mirror: '1' }],
    ['BTRFS warning (device loop2): checksum verify failed on logical 30588928 mirror 1 wanted 0x71062cb5 found 0x0d8227d1 level 0', 'csum-meta', { logical: '30588928', csum: '0x0d8227d1', expected: '0x71062cb5' }],
    ['BTRFS error (device loop2): parent transid verify failed on logical 30588928 mirror 1 wanted 9 found 7', 'parent-transid', { logical: '30588928', wanted: '9', found: '7' }],
    ['BTRFS critical (device loop2): corrupt leaf: root=5 block=30605312 slot=8 ino=258, invalid mode: has 00 expect valid S_IF* bit(s)', 'tree-check', { root: '5', logical: '30605312', ino: '258' }],
    ['BTRFS error (device loop2): read time tree block corruption detected on logical 30605312 mirror 1', 'tree-rw', { logical: '30605312', mirror: '1' }],
    ['BTRFS error (device loop0): bdev /dev/loop0 errs: wr 0, rd 0, flush 0, corrupt 1, gen 0', 'devstats', { bdev: '/dev/loop0', corrupt: '1' }],
    ['BTRFS info (device loop2): read error corrected: ino 0 off 30588928 (dev /dev/loop2 sector 76128)', 'read-corrected', { ino: '0', sector: '76128' }],
    ['BTRFS error (device loop0 state A): Transaction aborted (error -5)', 'trans-abort', { errno: '-5' }],
    ['BTRFS: error (device loop0 state A) in __btrfs_run_delayed_items:1181: errno=-5 IO failure', 'fs-error', { function: '__btrfs_run_delayed_items', line: '1181', errno: '-5' }],
    ['BTRFS info (device loop0 state EA): forced readonly', 'forced-ro', {}],
    ['BTRFS error (device loop2): scrub: unable to fixup (regular) error at logical 13631488 on dev /dev/loop2 physical 13631488', 'scrub', {}],
    ['BTRFS warning (device loop0 state EA): Skipping commit of aborted transaction.', 'other', {}],
  ];
  for (const [line, type, fields] of cases) {
    it(`${type}: ${line.slice(0, 70)}`, () => {
      const p = parseLine(line)!;
      assert.equal(p.type, type);
      for (const [k, v] of Object.entries(fields)) assert.equal(p.g[k], v, k);
    });
  }
  it('is not fooled by other filesystems or garbage', () => {
    for (const l of ['EXT4-fs error (device loop0): x', 'BTRFS', 'BTRFS error (device', 'XFS (loop0): BTRFS error (device x): y']) assert.equal(parseLine(l), null, l);
  });
});

describe('btrfs device counters', () => {
  it('sums every *_errs of every device error_stats; null without any', () => {
    const rec = (counters: Record<string, string | number>) => ({ source: 'sysfs' as const, device: 'loop0', fsType: 'btrfs', readAtUs: 0, counters });
    assert.equal(totalErrors(rec({ 'devinfo/1/error_stats': 'write_errs 1\nread_errs 0\nflush_errs 0\ncorruption_errs 2\ngeneration_errs 0', 'devinfo/2/error_stats': 'write_errs 0\nread_errs 4\nflush_errs 0\ncorruption_errs 0\ngeneration_errs 1' })), 8);
    assert.equal(totalErrors(rec({})), null);
  });
});

runPluginConformance(btrfsPlugin, { records: [...readReplayFile(path.join(fixturesDir, 'btrfs-csum.jsonl')), ...readReplayFile(path.join(fixturesDir, 'btrfs-abort.jsonl'))] });
