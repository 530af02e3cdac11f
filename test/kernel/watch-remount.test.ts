/**
 * Unmount and mount while watching (root): the kernel drops the fanotify mark silently at unmount,
 * the live source must mark the new superblock, errors after the remount are reported, and 50
 * cycles leave no file descriptor behind in the watching process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Ext4Blob } from '../../plugins/ext4';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { errorTotal, WatchHarness } from '../helpers/watch-harness';

let pool: LoopFsPool;
let h: WatchHarness | undefined;

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-watch-remount-');
});

after(async () => {
  await h?.stop();
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

const openFds = () => fs.readdirSync('/proc/self/fd').length;

/** Wait until the live source has marked a new mount (unique mount id changed) of this device. */
async function remarked(lf: LoopFs, beforeId: number | undefined): Promise<number | undefined> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const f = h!.source.watched().find((x) => x.mount.device === lf.device);
    if (f && f.fanotify && f.mount.uniqueId !== beforeId) return f.mount.uniqueId;
    if (Date.now() > deadline) throw new Error(`not marked again after the remount: ${JSON.stringify(f?.mount)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const trigger = (lf: LoopFs, msg: string) => fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, msg);
const hasMessage = (lf: LoopFs, msg: string) => (evs: readonly { fs: { device: string | null }; blob: unknown; sources: string[] }[]) =>
  evs.some((e) => e.fs.device === lf.device && (e.blob as Ext4Blob | null)?.message === msg && e.sources.includes('fanotify'));

test('errors after a remount are reported through a new mark; 50 cycles leak no fd', async () => {
  const lf = pool.create('ext4');
  h = await WatchHarness.start({ mountPoints: [lf.mountPoint], settleMs: 200 });
  let id = await remarked(lf, undefined);
  trigger(lf, 'before remount');
  await h.waitFor('the error before the remount', hasMessage(lf, 'before remount'));

  pool.umount(lf);
  pool.mount(lf);
  id = await remarked(lf, id);
  trigger(lf, 'after remount');
  await h.waitFor('the error after the remount, from fanotify', hasMessage(lf, 'after remount'));

  await new Promise((r) => setTimeout(r, 500)); // let counter re-reads and the consumer settle
  const fdsBefore = openFds();
  const t0 = Date.now();
  for (let i = 0; i < 50; i++) {
    pool.umount(lf);
    pool.mount(lf);
    id = await remarked(lf, id);
  }
  const cycleMs = (Date.now() - t0) / 50;
  trigger(lf, 'after 50 cycles');
  await h.waitFor('the error after 50 cycles', hasMessage(lf, 'after 50 cycles'));
  await new Promise((r) => setTimeout(r, 500));
  const fdsAfter = openFds();
  console.log(`# 50 umount/mount cycles: ${cycleMs.toFixed(1)} ms each until re-marked; fds ${fdsBefore} -> ${fdsAfter}; marks ${h.source.stats.marks}, mount refreshes ${h.source.stats.mountRefreshes}`);
  assert.equal(fdsAfter, fdsBefore, 'no fd leaked by 50 mount/unmount cycles');
  assert.ok(h.source.stats.marks >= 52, 'one mark per new superblock');
  await h.stop();
  assert.equal(errorTotal(h.events, lf.device), 3, 'three errors, each reported once');
});
