/**
 * The store's commands (status, events, summary, replay) through commander, on a real store in a
 * temp state directory, output captured: what they print, and that bad arguments are
 * CLI_BAD_ARGUMENT errors naming the option and value.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { register as registerEvents } from '../../core/cli/commands/events';
import { register as registerReplay } from '../../core/cli/commands/replay';
import { register as registerStatus } from '../../core/cli/commands/status';
import { register as registerSummary } from '../../core/cli/commands/summary';
import { isFsfaultError } from '../../core/errors';
import { parseTimeArg } from '../../core/cli/time-arg';
import { SqliteStore } from '../../core/store/sqlite-store';
import { defaultStoreDeps, type StoreCommandDeps } from '../../core/cli/store-commands';
import type { LocalStore } from '../../core/store/local-store';
import { replayEvents } from '../../core/store/replay';
import { fsOf, makeEvent, rmTemp, tempStateDir, testCodec } from './store-test-events';

const NOW = Date.now() * 1000;
const MIN = 60e6;
let stateDir = '';

before(() => {
  stateDir = tempStateDir();
  const s = SqliteStore.open({ stateDir, host: 'h', codec: testCodec(true) });
  s.append([
    makeEvent({ fs: fsOf('loop0'), errno: 117, count: 3, firstSeen: NOW - 300 * MIN, lastSeen: NOW - 290 * MIN, blob: { function: 'ext4_lookup', line: 1, agno: null } }),
    makeEvent({ fs: fsOf('loop0'), errno: 5, count: 1, firstSeen: NOW - 50 * MIN, lastSeen: NOW - 50 * MIN, blob: { function: 'ext4_find_entry', line: 2, agno: null } }),
    makeEvent({ kind: 'DIED', fs: fsOf('loop0'), errno: 5, count: 1, firstSeen: NOW - 40 * MIN, lastSeen: NOW - 40 * MIN, death: { reason: 'journal aborted', suppressed: 0 } }),
    makeEvent({ fs: fsOf('sda1', 'xfs'), errno: 117, count: 2, firstSeen: NOW - 20 * MIN, lastSeen: NOW - 10 * MIN, blob: { function: '', line: 0, agno: 3 } }),
    makeEvent({
      kind: 'LOST',
      fs: { type: '*', device: null, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null },
      errno: null,
      count: 4,
      firstSeen: NOW - 5 * MIN,
      lastSeen: NOW - 5 * MIN,
      plugin: null,
      blob: null,
      lost: { byFilesystem: [{ device: 'sda1', count: 4 }], errnos: [117], reasons: [{ reason: 'queue-budget', count: 4 }] },
    }),
  ]);
  s.commit('kafka:fs-errors', 3);
  s.close();
});
after(() => rmTemp(stateDir));

async function run(args: string[], extra: Partial<StoreCommandDeps> = {}): Promise<{ out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const deps = { ...defaultStoreDeps({ out, err, env: {} }), ...extra };
  const program = new Command('fsfault').exitOverride();
  for (const r of [registerStatus, registerEvents, registerSummary, registerReplay]) r(program, deps);
  await program.parseAsync(['node', 'fsfault', ...args, '--state-dir', stateDir, '--host', 'h']);
  return { out: o, err: e };
}

const rejectsWith = (p: Promise<unknown>, ...parts: string[]) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(isFsfaultError(e, 'CLI_BAD_ARGUMENT'), String(e));
    for (const part of parts) assert.ok((e as Error).message.includes(part), `${(e as Error).message} should name ${part}`);
    return true;
  });

describe('store commands', () => {
  it('parses ISO times and relative durations, and names a bad one', () => {
    assert.equal(parseTimeArg('--since', '30m', NOW), NOW - 30 * MIN);
    assert.equal(parseTimeArg('--since', '2d', NOW), NOW - 2 * 86_400e6);
    assert.equal(parseTimeArg('--since', '1.5h', NOW), NOW - 90 * MIN);
    assert.equal(parseTimeArg('--until', '2026-11-21T05:40:00Z'), Date.UTC(2026, 10, 21, 5, 40) * 1000);
    assert.equal(parseTimeArg('--until', '2026-11-21'), Date.UTC(2026, 10, 21) * 1000);
    for (const bad of ['yesterday', '5 parsecs', '1y', '', '2026-13-45']) {
      assert.throws(() => parseTimeArg('--since', bad), (e: unknown) => isFsfaultError(e, 'CLI_BAD_ARGUMENT') && (e as Error).message.includes(`'${bad}'`));
    }
  });

  it('status: one line per filesystem, dead first, with last error, death and losses', async () => {
    const { out } = await run(['status']);
    const lines = out.split('\n');
    assert.match(lines[0]!, /h\.fsfault\.db: 5 events \(offsets 1-5\).*lost 4 \(queue-budget 4\)/);
    assert.match(lines[1]!, /connectors: kafka:fs-errors at 3 \(2 behind\)/);
    const header = lines.findIndex((l) => l.startsWith('DEVICE'));
    assert.match(lines[header]!, /DEVICE\s+IDENTITY\s+TYPE\s+MOUNT\s+STATE\s+ERRORS\s+LAST ERROR\s+LAST DIED\s+LOST/);
    assert.match(lines[header + 1]!, /^loop0\s+unknown\s+ext4\s+\/mnt\/loop0\s+dead\s+5\s+\S+Z EIO\s+\S+Z journal aborted\s+0$/);
    assert.match(lines[header + 2]!, /^sda1\s+unknown\s+xfs\s+\/mnt\/sda1\s+degraded\s+2\s+\S+Z EUCLEAN\s+-\s+4$/);
    const json = JSON.parse((await run(['status', '--json'])).out) as { filesystems: { key: string; state: string }[]; store: { headOffset: number } };
    assert.deepEqual(json.filesystems.map((f) => [f.key, f.state]), [['device:loop0', 'dead'], ['device:sda1', 'degraded']]);
    assert.equal(json.store.headOffset, 5);
    assert.equal((await run(['status', '--rebuild'])).out, out, 'the kept projection equals a fold of the log');
  });

  it('events: filters by time, filesystem and kind; JSON lines carry the offset', async () => {
    const offsets = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => Number(l.trim().split(' ')[0]));
    assert.deepEqual(offsets((await run(['events'])).out), [1, 2, 3, 4, 5]);
    assert.deepEqual(offsets((await run(['events', '--since', '1h'])).out), [2, 3, 4, 5]);
    assert.deepEqual(offsets((await run(['events', '--until', '45m'])).out), [1, 2]);
    assert.deepEqual(offsets((await run(['events', '--fs', '/dev/loop0', '--since', '2h'])).out), [2, 3]);
    assert.deepEqual(offsets((await run(['events', '--kind', 'died'])).out), [3]);
    assert.deepEqual(offsets((await run(['events', '--limit', '2'])).out), [1, 2]);
    const json = (await run(['events', '--json', '--kind', 'LOST'])).out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(json.length, 1);
    assert.equal(json[0]!.offset, 5);
    assert.equal(json[0]!.kind, 'LOST');
    const none = await run(['events', '--fs', 'nvme9n1']);
    assert.equal(none.out, '');
    assert.match(none.err, /no stored events match/);
    await rejectsWith(run(['events', '--since', 'last tuesday']), '--since', 'last tuesday');
    await rejectsWith(run(['events', '--kind', 'OOPS']), '--kind', 'OOPS');
    await rejectsWith(run(['events', '--limit', '0']), '--limit');
  });

  it('summary: per filesystem, errno, function / AG and kind', async () => {
    const { out } = await run(['summary']);
    assert.match(out, /Filesystem events summary in the retained history \(5 events, offsets 1-5\)/);
    assert.match(out, /Errors per filesystem:\n\tloop0 \(ext4, identity unknown\): 5 errors in 3 events\n\tsda1 \(xfs, identity unknown\): 2 errors in 1 event\n/);
    assert.match(out, /Errors per errno:\n\tEUCLEAN: 5 errors in 2 events\n\tEIO: 2 errors in 2 events\n/);
    assert.match(out, /\tloop0 \(ext4, identity unknown\) function ext4_lookup: 4 errors in 2 events\n/); // the ERROR and the DIED
    assert.match(out, /\tsda1 \(xfs, identity unknown\) AG 3: 2 errors in 1 event\n/);
    assert.match(out, /Events per kind:\n\tERROR: 6 errors in 3 events\n\tLOST: 4 errors in 1 event\n\tDIED: 1 error in 1 event/);
    const recent = JSON.parse((await run(['summary', '--since', '30m', '--json'])).out) as { events: number; byFilesystem: { key: string }[] };
    assert.equal(recent.events, 2);
    assert.deepEqual(recent.byFilesystem.map((r) => r.key), ['sda1 (xfs, identity unknown)']);
    assert.match((await run(['summary', '--since', '1m'])).out, /No filesystem events since 1m/);
    await rejectsWith(run(['summary', '--since', '3 fortnights']), '--since');
  });

  it('replay: JSON lines of an offset range to stdout; other targets through the wired connector', async () => {
    const { out, err } = await run(['replay', '--from', '2', '--end', '4']);
    assert.deepEqual(out.trim().split('\n').map((l) => (JSON.parse(l) as { offset: number }).offset), [2, 3, 4]);
    assert.match(err, /replayed 3 events/);
    assert.equal((await run(['replay', '--from', '4'])).out.trim().split('\n').length, 2);
    await rejectsWith(run(['replay', '--from', 'x']), '--from', "'x'");
    await rejectsWith(run(['replay', '--from', '1', '--to', 'kafka']), 'kafka connector');
    await rejectsWith(run(['replay', '--from', '1', '--to', 'syslog']), '--to', 'syslog');
    const got: number[] = [];
    const replayInto = async (target: string, store: LocalStore, from: number, end: number) => {
      assert.equal(target, 'avro');
      for (const s of replayEvents(store, from, end)) got.push(s.offset);
      return got.length;
    };
    const r = await run(['replay', '--from', '3', '--to', 'avro'], { replayInto });
    assert.deepEqual(got, [3, 4, 5]);
    assert.match(r.err, /replayed 3 events/);
  });
});
