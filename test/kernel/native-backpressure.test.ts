/**
 * Backpressure on the real kernel: while the JS thread is busy, the reader fills at most
 * (maxPendingBatches + 1) batches and then stops reading, so a flood overruns the kernel ring and
 * the loss is reported from the sequence gap; nothing read is dropped.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { KmsgRecord, LossRecord, RawRecord } from '../../core/model/raw-record';
import { createWatcher } from '../../native/index';
import type { Watcher } from '../../native/types';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import { Collector, until } from './native-collector';
import { oldestKmsgSeq } from '../helpers/kmsg-ring';

const DEVKMSG = '/proc/sys/kernel/printk_devkmsg'; // see native-kmsg.test.ts for why not setSysctl
let devkmsgBefore: string | undefined;
let pool: LoopFsPool;
const watchers: Watcher[] = [];

function blockJsThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}


before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-native-bp-');
  devkmsgBefore = fs.readFileSync(DEVKMSG, 'utf8').trim();
  fs.writeFileSync(DEVKMSG, 'on\n');
});

after(async () => {
  for (const w of watchers) await w.stop();
  if (devkmsgBefore !== undefined) fs.writeFileSync(DEVKMSG, `${devkmsgBefore}\n`);
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

test('a busy JS thread stops the reader after maxPendingBatches+1 batches; the overrun is counted exactly', async () => {
  const lf = pool.create('ext4');
  // Every trigger must reach the log: lift ext4's 10-per-5-s ratelimit on this throwaway fs.
  fs.writeFileSync(`/sys/fs/ext4/${lf.device}/err_ratelimit_interval_ms`, '0');
  const c = new Collector();
  const batchSizes: number[] = [];
  const w = createWatcher({ kmsg: { start: 'end' }, batchMax: 4, maxPendingBatches: 2, onError: c.onError }, (b: RawRecord[]) => {
    batchSizes.push(b.length);
    c.onBatch(b);
  });
  watchers.push(w);

  // From here until the first await the JS thread delivers nothing.
  for (let i = 0; i < 40; i++) fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, `bp ${i}`);
  const readable = await (async () => {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && w.stats().backpressureWaits === 0) blockJsThread(10);
    return w.stats();
  })();
  blockJsThread(200); // the reader must stay put however long JS is busy
  const held = w.stats();
  assert.equal(held.backpressureWaits, 1, 'the reader waited for JS');
  // Batches are sent as soon as a poll round ends, so the 2 queued ones may be partial.
  assert.ok(held.kmsgRecords <= 4 * (2 + 1), `at most 2 queued batches + 1 full held batch were read (${held.kmsgRecords})`);
  assert.equal(readable.kmsgRecords, held.kmsgRecords, 'no reads while held back');
  const heldSeq = w.lastKmsgSeq()!;

  // Overrun the ring while the reader is held back.
  const fd = fs.openSync('/dev/kmsg', 'w');
  const filler = 'y'.repeat(400);
  let n = 0;
  try {
    while (n < 3001 || oldestKmsgSeq() <= heldSeq + 1) {
      for (let i = 0; i < 500; i++) fs.writeSync(fd, `<7>fsfault-native-bp flood ${n++} ${filler}\n`);
    }
  } finally {
    fs.closeSync(fd);
  }
  const oldest = oldestKmsgSeq();

  const loss = await c.waitFor('the overrun loss', (r): r is LossRecord => r.source === 'loss', 10_000);
  assert.equal(loss.count, oldest - heldSeq - 1);
  const kmsg = (): KmsgRecord[] => c.kmsg();
  assert.ok(await until(() => w.stats().kmsgLostRecords > 0 && (w.lastKmsgSeq() ?? 0) >= oldest, 10_000));
  const st = w.stats();
  assert.equal(kmsg().length, st.kmsgRecords, 'every record read was delivered');
  assert.ok(batchSizes.every((s) => s >= 1 && s <= 4), `batch sizes within batchMax: ${batchSizes.join(',')}`);
  const seqs = kmsg().map((r) => r.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
  assert.deepEqual(c.errors, []);
  await w.stop();
  pool.umount(lf);
});
