/**
 * /dev/kmsg through the native watcher on the real kernel (root, CAP_SYSLOG). Userspace writes to
 * /dev/kmsg need kernel.printk_devkmsg=on, restored in after(); they are logged at level 7 so the
 * serial console does not throttle them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { KmsgRecord, LossRecord, RawRecord } from '../../core/model/raw-record';
import { createWatcher } from '../../native/index';
import type { Watcher } from '../../native/types';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import { Collector, sleep, until } from './native-collector';
import { floodKmsgPast, newestKmsgSeq, oldestKmsgSeq } from '../helpers/kmsg-ring';

let pool: LoopFsPool;
const watchers: Watcher[] = [];

// Not LoopFsPool.setSysctl: this sysctl accepts a write only when it is the value plus exactly one
// trailing character, and the pool restores the old value without one (EINVAL).
const DEVKMSG = '/proc/sys/kernel/printk_devkmsg';
let devkmsgBefore: string | undefined;

const isLoss = (r: RawRecord): r is LossRecord => r.source === 'loss';

function watch(c: Collector, start: 'end' | 'oldest' | { afterSeq: number }): Watcher {
  const w = createWatcher({ kmsg: { start }, onError: c.onError }, c.onBatch);
  watchers.push(w);
  return w;
}

/** A record we write ourselves is the newest; its seq is what the next fresh reader ends at. */
function newestSeq(): number {
  fs.writeFileSync('/dev/kmsg', '<7>fsfault-native-kmsg marker\n');
  return newestKmsgSeq();
}

/** Waits until the reader has consumed everything up to `seq`. */
async function caughtUp(w: Watcher, seq: number): Promise<void> {
  const ok = await until(() => (w.lastKmsgSeq() ?? -1) >= seq, 10_000);
  assert.ok(ok, `reader did not reach seq ${seq} (at ${w.lastKmsgSeq()})`);
}


before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  if (!fs.existsSync(DEVKMSG)) throw new Error(`kmsg tests need ${DEVKMSG}`);
  pool = new LoopFsPool('fsfault-native-kmsg-');
  devkmsgBefore = fs.readFileSync(DEVKMSG, 'utf8').trim();
  fs.writeFileSync(DEVKMSG, 'on\n');
});

after(async () => {
  for (const w of watchers) await w.stop();
  if (devkmsgBefore !== undefined) fs.writeFileSync(DEVKMSG, `${devkmsgBefore}\n`);
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

test("start 'end': an ext4 error arrives as a facility-0, level-2 record", async () => {
  const lf = pool.create('ext4');
  const c = new Collector();
  const w = watch(c, 'end');
  const startSeq = w.lastKmsgSeq();
  assert.equal(typeof startSeq, 'number', "'end' knows the seq it starts after");
  fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, 'native-kmsg test');
  const needle = `EXT4-fs error (device ${lf.device}): trigger_test_error:`;
  const rec = await c.waitFor(needle, (r): r is KmsgRecord => r.source === 'kmsg' && r.text.startsWith(needle));
  assert.equal(rec.facility, 0);
  assert.equal(rec.level, 2);
  assert.match(rec.text, /comm .*: native-kmsg test$/);
  assert.ok(rec.seq > startSeq!, 'only records after the start');
  assert.ok(c.kmsg().every((r) => r.seq > startSeq!), 'nothing from before the start');
  assert.ok(Math.abs(rec.readAtUs - Date.now() * 1000) < 10_000_000);
  assert.deepEqual(c.losses(), []);
  await w.stop();
  pool.umount(lf);
});

test('a line written by userspace (facility LOG_USER) is counted and not delivered', async () => {
  const c = new Collector();
  const w = watch(c, 'end');
  const before = w.stats().kmsgRejectedFacility;
  fs.writeFileSync('/dev/kmsg', '<3>EXT4-fs error (device loop9): fake\n');
  assert.ok(await until(() => w.stats().kmsgRejectedFacility > before, 5000), 'rejection counted');
  await sleep(100);
  assert.equal(w.stats().kmsgRejectedFacility, before + 1);
  assert.ok(!c.kmsg().some((r) => r.text.includes('loop9): fake')), 'the fake line was delivered');
  await w.stop();
});

test('overrun while paused: one LossRecord whose count is the exact sequence gap', async () => {
  const c = new Collector();
  const w = watch(c, 'end');
  await caughtUp(w, newestSeq());
  w.pause();
  const a = w.lastKmsgSeq()!;
  const s0 = w.stats();
  const lines = floodKmsgPast(a + 1, 'fsfault-native-kmsg', 3001);
  const oldest = oldestKmsgSeq();
  w.resume();
  const loss = await c.waitFor('the kmsg overrun loss', isLoss, 10_000);
  assert.equal(loss.origin, 'kmsg');
  assert.equal(loss.reason, 'kmsg-overrun');
  assert.equal(loss.device, null);
  assert.equal(loss.count, oldest - a - 1, `gap between seq ${a} and the oldest surviving ${oldest}`);
  await caughtUp(w, newestSeq());
  const s1 = w.stats();
  // Every seq after a is accounted for: lost, rejected (userspace) or delivered.
  const consumed = s1.kmsgLostRecords - s0.kmsgLostRecords + (s1.kmsgRejectedFacility - s0.kmsgRejectedFacility) + (s1.kmsgRecords - s0.kmsgRecords);
  assert.equal(consumed, w.lastKmsgSeq()! - a);
  assert.equal(s1.kmsgOverruns - s0.kmsgOverruns, 1);
  assert.equal(c.losses().length, 1);
  assert.ok(lines > 3000);
  await w.stop();
});

test('afterSeq: records up to it are skipped, nothing is lost while it is still in the ring', async () => {
  const c0 = new Collector();
  const first = watch(c0, 'end');
  const s = first.lastKmsgSeq()!;
  await first.stop();
  fs.writeFileSync('/dev/kmsg', '<7>fsfault-native-kmsg after-seq 1\n');
  const c = new Collector();
  const w = watch(c, { afterSeq: s });
  const end = newestSeq();
  await caughtUp(w, end);
  assert.deepEqual(c.losses(), []);
  assert.ok(c.kmsg().every((r) => r.seq > s));
  const st = w.stats();
  assert.equal(st.kmsgRecords + st.kmsgRejectedFacility, w.lastKmsgSeq()! - s, 'every record after afterSeq consumed once');
  await w.stop();
});

test('afterSeq older than the ring: the first thing delivered is a loss of exactly the overwritten records', async () => {
  const s = oldestKmsgSeq();
  floodKmsgPast(s + 10, 'fsfault-native-kmsg', 3001);
  const oldest = oldestKmsgSeq();
  const c = new Collector();
  const w = watch(c, { afterSeq: s });
  const loss = await c.waitFor('the resume gap', isLoss, 10_000);
  assert.equal(c.records[0], loss, 'the loss comes first');
  assert.equal(loss.reason, 'kmsg-overrun');
  assert.equal(loss.count, oldest - s - 1);
  await caughtUp(w, newestSeq());
  assert.equal(w.stats().kmsgLostRecords, oldest - s - 1);
  await w.stop();
});

test('records read + records lost = every sequence number in the window, exactly, across a flood that overruns the reader', async () => {
  const c = new Collector();
  const w = watch(c, 'end');
  await caughtUp(w, newestSeq());
  const a = w.lastKmsgSeq()!;
  const s0 = w.stats();
  // Paused for the first half, so the ring overwrites records the reader has not read; read live for the second.
  w.pause();
  const paused = floodKmsgPast(a + 1, 'fsfault-native-kmsg read-count', 3001);
  w.resume();
  const fd = fs.openSync('/dev/kmsg', 'w');
  try {
    for (let i = 0; i < 2000; i++) fs.writeSync(fd, `<7>fsfault-native-kmsg read-count live ${i}\n`);
  } finally {
    fs.closeSync(fd);
  }
  const end = newestSeq();
  await caughtUp(w, end);
  const s1 = w.stats();
  const read = s1.kmsgRecordsRead - s0.kmsgRecordsRead;
  const lost = s1.kmsgLostRecords - s0.kmsgLostRecords;
  assert.ok(lost > 0, 'the paused half overran the reader');
  assert.ok(read >= 2000, `the live half was read (${read})`);
  assert.equal(read + lost, w.lastKmsgSeq()! - a, `read ${read} + lost ${lost} over the window (${a}, ${w.lastKmsgSeq()}] after ${paused} paused lines`);
  assert.equal(read, s1.kmsgRecords - s0.kmsgRecords + (s1.kmsgRejectedFacility - s0.kmsgRejectedFacility), 'read = delivered + rejected');
  await w.stop();
});
