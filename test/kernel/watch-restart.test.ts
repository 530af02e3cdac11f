/**
 * Restart with the SQLite store (root): errors that happen while fsfault is stopped are reported
 * when it starts again, from the kernel-log cursor (the lines the ring still holds) and from the
 * counter baseline (errors no line told about), and nothing that was reported before is reported
 * twice; a line about a filesystem unmounted meanwhile keeps the identity the store knew.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Ext4Blob } from '../../plugins/ext4';
import type { FsEvent } from '../../core/model/event';
import { identityBasis, identityKey } from '../../core/model/fs-identity';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { errorTotal, lostTotal, setKernelSetting, WatchHarness } from '../helpers/watch-harness';

let pool: LoopFsPool;
const harnesses: WatchHarness[] = [];
const restores: (() => void)[] = [];

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-watch-restart-');
});

after(async () => {
  for (const h of harnesses) await h.stop();
  for (const r of restores.reverse()) r();
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

const errorsCount = (lf: LoopFs) => Number(fs.readFileSync(`/sys/fs/ext4/${lf.device}/errors_count`, 'utf8'));
const trigger = (lf: LoopFs, msg: string) => fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, msg);

async function watch(lf: LoopFs, stateDir: string): Promise<WatchHarness> {
  const h = await WatchHarness.start({ mountPoints: [lf.mountPoint], stateDir, settleMs: 300 });
  harnesses.push(h);
  return h;
}

/** Wait until the reconciler compared a quiet reading equal to the kernel's counter now. */
async function reconciled(h: WatchHarness, lf: LoopFs): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const st = h.counters.snapshot().find((s) => s.device === lf.device);
    if (st && st.baseline === errorsCount(lf) && st.seen === 0) return;
    if (Date.now() > deadline) throw new Error(`not reconciled: kernel ${errorsCount(lf)}, ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('errors while stopped: logged ones from the kernel-log cursor, unlogged ones from the counter baseline; none twice', async () => {
  const lf = pool.create('ext4');
  const stateDir = path.join(pool.dir, 'state');

  const first = await watch(lf, stateDir);
  trigger(lf, 'while running');
  await first.waitFor('the first error', (evs) => errorTotal(evs, lf.device) === 1);
  await reconciled(first, lf);
  await first.stop();

  // Stopped: three errors the log keeps, then two it does not print (burst 0 suppresses every line).
  for (const m of ['down 1', 'down 2', 'down 3']) trigger(lf, m);
  restores.push(setKernelSetting(`/sys/fs/ext4/${lf.device}/err_ratelimit_burst`, '0'));
  trigger(lf, 'unlogged 1');
  trigger(lf, 'unlogged 2');
  restores.pop()!();

  const second = await watch(lf, stateDir);
  await second.waitFor('the logged errors and the counter shortfall', (evs) => errorTotal(evs, lf.device) >= 3 && lostTotal(evs, lf.device) >= 2, 15_000);
  await reconciled(second, lf);
  await second.stop();
  const evs = second.eventsOf(lf.device);
  const messages = evs.filter((e) => e.kind === 'ERROR').map((e) => (e.blob as Ext4Blob).message);
  console.log(`# restart: before stop 1 error; while stopped 3 logged + 2 unlogged; after restart ERROR total ${errorTotal(evs, lf.device)} (${messages.join(', ')}), LOST counter-while-stopped ${lostTotal(evs, lf.device, 'counter-while-stopped')}`);
  assert.equal(errorTotal(evs, lf.device), 3, 'the three logged errors, each once');
  assert.ok(!messages.includes('while running'), 'nothing reported before the stop is reported again');
  assert.equal(lostTotal(evs, lf.device, 'counter-while-stopped'), 2, 'the two errors no line told about');
  assert.equal(lostTotal(evs, lf.device, 'counter-mismatch'), 0);
});

test('identity after a restart: a kernel-log line about a filesystem unmounted while fsfault was down keeps the stored identity, not only the device name', async () => {
  const lf = pool.create('ext4');
  const stateDir = path.join(pool.dir, 'state-identity');

  // The first run sees the filesystem mounted: it learns (and stores) its identity — the uuid where
  // /dev/disk/by-uuid names the device, else the fsid fanotify and statfs give.
  const first = await watch(lf, stateDir);
  trigger(lf, 'while mounted');
  await first.waitFor('the first error', (evs) => errorTotal(evs, lf.device) === 1);
  const known = first.eventsOf(lf.device).find((e) => e.kind === 'ERROR')!.fs;
  assert.notEqual(identityBasis(known), 'unknown', `the live run knows the filesystem: ${JSON.stringify(known)}`);
  await first.stop();

  // Stopped: an error the kernel logs, then the filesystem goes away (the loop device stays: its
  // name is all the log line carries).
  trigger(lf, 'just before the unmount');
  pool.umount(lf);
  assert.ok(!pool.isMounted(lf));

  const second = await watch(lf, stateDir);
  const isIt = (x: FsEvent) => (x.blob as Ext4Blob | null)?.message === 'just before the unmount';
  await second.waitFor('the error logged while stopped', (evs) => evs.some(isIt), 15_000);
  await second.stop();
  const e = second.events.find(isIt)!;
  console.log(`# restart identity: ${lf.device} unmounted while stopped; first run knew ${identityKey(known)}; the logged error came back as ${e.fs.device} ${identityKey(e.fs)} (${e.fs.type})`);
  assert.equal(e.kind, 'ERROR');
  assert.deepEqual(e.sources, ['kmsg']);
  assert.equal(e.fs.device, lf.device);
  assert.equal(e.fs.type, 'ext4');
  assert.equal(identityKey(e.fs), identityKey(known), 'the identity fsfault knew (stored), not just the device name');
  assert.equal(e.fs.fsid, known.fsid);
  assert.equal(e.fs.uuid, known.uuid);
});

test('identity after a restart: a kernel-log line about a device never seen mounted says plainly the identity is unknown', async () => {
  const watched = pool.create('ext4');
  const other = pool.create('ext4');
  const stateDir = path.join(pool.dir, 'state-unknown');
  const first = await WatchHarness.start({ mountPoints: [watched.mountPoint], stateDir, settleMs: 300 });
  harnesses.push(first);
  trigger(watched, 'seen');
  await first.waitFor('an error', (evs) => errorTotal(evs, watched.device) === 1);
  await first.stop();
  // While stopped: a filesystem fsfault never saw errs and goes away.
  trigger(other, 'never seen');
  pool.umount(other);

  const second = await watch(watched, stateDir);
  const isIt = (x: FsEvent) => (x.blob as Ext4Blob | null)?.message === 'never seen';
  await second.waitFor('the error of the unseen device', (evs) => evs.some(isIt), 15_000);
  await second.stop();
  const e = second.events.find(isIt)!;
  assert.equal(e.fs.device, other.device);
  assert.equal(identityBasis(e.fs), 'unknown');
  assert.equal(identityKey(e.fs), `device:${other.device}`);
  assert.equal(e.fs.uuid, null);
  assert.equal(e.fs.fsid, null);
  pool.umount(watched);
});
