/**
 * A kernel-log overrun while fsfault is paused (root): the ring is flooded past the last record
 * the watcher read, and on resume the pipeline publishes a LOST event (kmsg-overrun) whose count is
 * exactly the sequence gap.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import { setKernelSetting, WatchHarness } from '../helpers/watch-harness';
import { floodKmsgPast, oldestKmsgSeq } from '../helpers/kmsg-ring';

let pool: LoopFsPool;
let h: WatchHarness | undefined;
const restores: (() => void)[] = [];

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-watch-overrun-');
});

after(async () => {
  await h?.stop();
  for (const r of restores.reverse()) r();
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});



test('a ring overrun while paused is one LOST kmsg-overrun whose count is the sequence gap', async () => {
  const lf = pool.create('ext4');
  restores.push(setKernelSetting('/proc/sys/kernel/printk_devkmsg', 'on'));
  h = await WatchHarness.start({ mountPoints: [lf.mountPoint] });
  const w = h.source.nativeWatcher();
  w.pause();
  const last = w.lastKmsgSeq();
  assert.notEqual(last, null, 'the watcher knows where it stopped');
  const lines = floodKmsgPast(last!, 'fsfault-watch-overrun');
  const oldest = oldestKmsgSeq();
  w.resume();
  const gap = oldest - last! - 1;
  await h.waitFor('the kmsg-overrun loss', (evs) => evs.some((e) => e.kind === 'LOST' && e.lost!.reasons.some((r) => r.reason === 'kmsg-overrun')));
  await h.stop();
  const lost = h.events.filter((e) => e.kind === 'LOST').flatMap((e) => e.lost!.reasons.filter((r) => r.reason === 'kmsg-overrun'));
  const counted = lost.reduce((n, r) => n + r.count, 0);
  console.log(`# flooded ${lines} lines while paused at seq ${last}; oldest left ${oldest}; gap ${gap}; LOST kmsg-overrun ${counted}`);
  assert.equal(counted, gap, 'the LOST count is exactly the sequence gap');
  assert.ok(h.events.every((e) => e.kind !== 'ERROR' || e.fs.device !== lf.device), 'the flood is not an error');
});
