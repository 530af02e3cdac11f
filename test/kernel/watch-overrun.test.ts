/**
 * A kernel-log overrun while fsfault is paused (root): the ring is flooded past the last record
 * the watcher read, and on resume the pipeline publishes a LOST event (kmsg-overrun) whose count is
 * exactly the sequence gap.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import { setKernelSetting, WatchHarness } from '../helpers/watch-harness';

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

/** Sequence number of the oldest record the ring still holds (a fresh reader starts there). */
function oldestSeq(): number {
  const fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(8192);
    for (;;) {
      try {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        return Number(buf.subarray(0, n).toString('latin1').split(',')[1]);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Write userspace records (level 7: not on the console) until the ring has dropped seq `keep`. */
function floodPast(keep: number): number {
  const fd = fs.openSync('/dev/kmsg', 'w');
  const filler = 'x'.repeat(400);
  let n = 0;
  try {
    while (oldestSeq() <= keep) {
      for (let i = 0; i < 500; i++) fs.writeSync(fd, `<7>fsfault-watch-overrun flood ${n++} ${filler}\n`);
      if (n > 200_000) throw new Error(`the kernel ring still holds seq ${keep} after ${n} lines`);
    }
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

test('a ring overrun while paused is one LOST kmsg-overrun whose count is the sequence gap', async () => {
  const lf = pool.create('ext4');
  restores.push(setKernelSetting('/proc/sys/kernel/printk_devkmsg', 'on'));
  h = await WatchHarness.start({ mountPoints: [lf.mountPoint] });
  const w = h.source.nativeWatcher();
  w.pause();
  const last = w.lastKmsgSeq();
  assert.notEqual(last, null, 'the watcher knows where it stopped');
  const lines = floodPast(last!);
  const oldest = oldestSeq();
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
