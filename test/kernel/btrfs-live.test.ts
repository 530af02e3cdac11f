/**
 * btrfs on the real kernel through the real LiveSource and pipeline (test/helpers/watch-harness.ts):
 * a corrupted data extent read back gives csum errors with the right inode, counted exactly as the
 * device's error_stats counted them (no loss reported); metadata writes failing with EIO (image
 * shrunk under the loop device) abort the transaction → exactly one DIED. Root; btrfs-progs.
 * The I/O-error case on a FUSE-backed loop file is btrfs-eio.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FsEvent } from '../../core/model/event';
import type { BtrfsBlob } from '../../plugins/btrfs';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';
import { errorTotal, lostTotal, WatchHarness } from '../helpers/watch-harness';

let pool: LoopFsPool;

before(() => {
  requireKernelPrereqs(['mkfs.btrfs', 'btrfs-map-logical', 'filefrag', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-btrfs-');
});

after(() => {
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

function fails(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    return false;
  } catch {
    return true;
  }
}

/** Sum of every counter in the device error_stats of the btrfs on `device`. */
function errorStats(device: string): number {
  for (const u of fs.readdirSync('/sys/fs/btrfs')) {
    if (!fs.existsSync(`/sys/fs/btrfs/${u}/devices/${device}`)) continue;
    let n = 0;
    for (const d of fs.readdirSync(`/sys/fs/btrfs/${u}/devinfo`)) {
      for (const m of fs.readFileSync(`/sys/fs/btrfs/${u}/devinfo/${d}/error_stats`, 'utf8').matchAll(/_errs (\d+)/g)) n += Number(m[1]);
    }
    return n;
  }
  throw new Error(`no /sys/fs/btrfs entry for ${device}`);
}

test('corrupted data extent → csum ERROR for its inode, count = error_stats increase, no loss', async () => {
  const lf = pool.create('btrfs', { mkfsArgs: ['-d', 'single', '-m', 'dup'] });
  const file = path.join(lf.mountPoint, 'data.bin');
  fs.writeFileSync(file, crypto.randomBytes(65536));
  sh('sync', []);
  const ino = fs.statSync(file).ino;
  const extent = /^\s*0:\s+\d+\.\.\s*\d+:\s+(\d+)\.\./m.exec(sh('filefrag', ['-v', file]));
  assert.ok(extent, 'filefrag gives the first extent');
  pool.umount(lf);
  const map = /mirror 1 logical \d+ physical (\d+)/.exec(sh('btrfs-map-logical', ['-l', String(Number(extent[1]) * 4096), lf.loopDev]));
  assert.ok(map, 'btrfs-map-logical gives the physical offset');
  const fd = fs.openSync(lf.image, 'r+');
  fs.writeSync(fd, Buffer.from('XXXXXXXXXXXXXXXX'), 0, 16, Number(map[1]));
  fs.closeSync(fd);
  pool.mount(lf);
  const before = errorStats(lf.device);
  const h = await WatchHarness.start({ mountPoints: [lf.mountPoint], settleMs: 100, config: { sources: { counters: { intervalMs: 200 } } } });
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    assert.ok(fails('cat', [file]), 'the reader gets EIO');
    const mine = () => h.eventsOf(lf.device) as FsEvent<BtrfsBlob>[];
    await h.waitFor('csum ERROR', () => mine().some((e) => e.blob?.messageType === 'csum-data'));
    const e = mine().find((x) => x.blob?.messageType === 'csum-data')!;
    assert.equal(e.inode, ino);
    assert.deepEqual([e.errno, e.blob!.root, e.blob!.ino, e.blob!.bdev], [5, 5, ino, lf.loopDev]);
    const increase = errorStats(lf.device) - before;
    assert.ok(increase >= 1);
    await h.waitFor('every counted error reported', () => errorTotal(h.events, lf.device) >= increase);
    // Quiet period for the reconciler: two equal readings, then no shortfall may be reported.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(errorTotal(h.events, lf.device), increase);
    assert.equal(lostTotal(h.events, lf.device), 0, JSON.stringify(mine()));
  } finally {
    await h.stop();
  }
});

test('metadata writes fail (image shrunk under the loop device) → transaction abort → exactly one DIED', async () => {
  const lf = pool.create('btrfs', { sizeMiB: 512, mountOpts: 'noatime' });
  fs.mkdirSync(path.join(lf.mountPoint, 'd'));
  fs.writeFileSync(path.join(lf.mountPoint, 'd', 'a'), 'a');
  sh('sync', []);
  fs.truncateSync(lf.image, 60 * 1024 * 1024);
  sh('losetup', ['-c', lf.loopDev]);
  const h = await WatchHarness.start({ mountPoints: [lf.mountPoint], settleMs: 100 });
  try {
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(lf.mountPoint, 'd', `n${i}`), String(i));
    fails('sync', []);
    fails('touch', [path.join(lf.mountPoint, 'd', 'after')]);
    const mine = () => h.eventsOf(lf.device) as FsEvent<BtrfsBlob>[];
    await h.waitFor('DIED', () => mine().some((e) => e.kind === 'DIED'));
    await new Promise((r) => setTimeout(r, 500));
    const died = mine().filter((e) => e.kind === 'DIED');
    assert.equal(died.length, 1);
    assert.ok(['transaction-abort', 'fs-error'].includes(died[0]!.death!.reason), died[0]!.death!.reason);
    assert.ok(mine().some((e) => e.kind === 'ERROR' && e.blob?.messageType === 'devstats' && (e.blob.writeErrs ?? 0) > 0), 'write errors before the abort');
  } finally {
    await h.stop();
  }
});
