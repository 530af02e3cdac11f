/**
 * The live path end to end on loop-mounted ext4 (root): trigger_fs_error → fanotify + kernel log →
 * LiveSource → ext4 plugin → queue → store → connector, with the error counter reconciled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { Ext4Blob } from '../../plugins/ext4';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { errorTotal, lostTotal, setKernelSetting, WatchHarness } from '../helpers/watch-harness';

/** The queue's linger window: records taken together merge into one event per error key. */
const LINGER_MS = 50;
let pool: LoopFsPool;
const harnesses: WatchHarness[] = [];
const restores: (() => void)[] = [];

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-watch-trigger-');
});

after(async () => {
  for (const h of harnesses) await h.stop();
  for (const r of restores.reverse()) r();
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

async function watch(lf: LoopFs, extra: Partial<Parameters<typeof WatchHarness.start>[0]> = {}): Promise<WatchHarness> {
  const h = await WatchHarness.start({ mountPoints: [lf.mountPoint], settleMs: 300, config: { queue: { lingerMs: LINGER_MS } }, ...extra });
  harnesses.push(h);
  return h;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

const errorsCount = (lf: LoopFs) => Number(fs.readFileSync(`/sys/fs/ext4/${lf.device}/errors_count`, 'utf8'));

/**
 * errors_count once it reaches `target` (at most 30 s). ext4 counts an error in memory at once
 * (s_add_error_count) but adds it to the superblock's s_error_count — what sysfs shows — only when
 * its superblock-update work runs, which on a loaded machine can trail the writes by seconds (it
 * waits for the journal). The kernel never drops a stashed error, so the counter does reach the
 * total: wait for exactly that, bounded; a counter that stops short fails the test with its value.
 */
async function settledCount(lf: LoopFs, target: number): Promise<number> {
  let now = errorsCount(lf);
  for (const deadline = Date.now() + 30_000; now < target && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 50));
    now = errorsCount(lf);
  }
  return now;
}

/** Wait until the reconciler compared a quiet reading equal to the kernel's counter now. */
async function reconciled(h: WatchHarness, lf: LoopFs, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const want = errorsCount(lf);
    const st = h.counters.snapshot().find((s) => s.device === lf.device);
    if (st && st.baseline === want && st.seen === 0) return;
    if (Date.now() > deadline) throw new Error(`counter of ${lf.device} not reconciled: kernel ${want}, state ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('one trigger_fs_error: one ext4 ERROR, errno 117, count 1, device, trigger_test_error', async () => {
  const lf = pool.create('ext4');
  const h = await watch(lf);
  const marked = h.source.watched().find((f) => f.mount.device === lf.device);
  assert.ok(marked?.fanotify, 'the filesystem is marked for FAN_FS_ERROR');
  fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, 'hello from watch-trigger');
  await h.waitFor('the ext4 event with its log line', (evs) => evs.some((e) => e.fs.device === lf.device && (e.blob as Ext4Blob | null)?.function === 'trigger_test_error'));
  await reconciled(h, lf);
  await h.stop();
  const evs = h.eventsOf(lf.device);
  assert.equal(evs.length, 1, `one event: ${JSON.stringify(evs)}`);
  const e = evs[0]!;
  assert.equal(e.kind, 'ERROR');
  assert.equal(e.errno, 117);
  assert.equal(e.count, 1);
  assert.equal(e.fs.type, 'ext4');
  assert.equal(e.fs.mountPoint, lf.mountPoint);
  assert.deepEqual([...e.sources].sort(), ['fanotify', 'kmsg']);
  assert.equal((e.blob as Ext4Blob).message, 'hello from watch-trigger');
  assert.equal(lostTotal(h.events, lf.device), 0, 'no loss');
  pool.umount(lf);
});

for (const mode of ['one process', 'many processes'] as const) {
  test(`1000 trigger_fs_error from ${mode}: reported total = errors_count increase, far fewer events`, async () => {
    const lf = pool.create('ext4');
    const h = await watch(lf);
    await reconciled(h, lf);
    const before = errorsCount(lf);
    const file = `/sys/fs/ext4/${lf.device}/trigger_fs_error`;
    // `echo` is a shell builtin (one pid: the kernel merges into error_count); /bin/echo forks per error.
    const echo = mode === 'one process' ? 'echo' : '/bin/echo';
    const t0 = Date.now();
    // Asynchronously: the pipeline reads while the errors happen, as it would in `watch`.
    await run('sh', ['-c', `i=0; while [ $i -lt 1000 ]; do ${echo} e$i > ${file}; i=$((i+1)); done`]);
    const triggerMs = Date.now() - t0;
    // ext4 folds errors into errors_count from a workqueue (flush_stashed_error_work), so on a
    // busy machine the counter trails the last write: wait until it has all of them (or stops).
    const increase = (await settledCount(lf, before + 1000)) - before;
    assert.equal(increase, 1000, 'the kernel counted 1000 errors');
    await h.waitFor('all 1000 errors', (evs) => errorTotal(evs, lf.device) >= 1000, 20_000);
    await reconciled(h, lf);
    const stats = h.source.watcherStats();
    await h.stop();
    const evs = h.eventsOf(lf.device).filter((e) => e.kind === 'ERROR');
    const total = errorTotal(h.events, lf.device);
    console.log(`# ${mode}: errors_count +${increase}, fsfault total ${total} in ${evs.length} events (trigger loop ${triggerMs} ms); ` +
      `lost ${lostTotal(h.events, lf.device)}; counter reads ${h.source.stats.counterReads}; fanotify records ${stats?.fanotifyEvents} in ${stats?.batchesDelivered} batches`);
    assert.equal(total, increase, 'fsfault reports exactly what the kernel counted');
    assert.equal(lostTotal(h.events, lf.device, 'counter-mismatch'), 0, 'no counter shortfall');
    // Merging happens among the records of one consumer take (one linger window): at most one
    // event per window, whatever the rate. On a quiet machine the loop takes well under a second
    // (a handful of events); on a loaded one forking /bin/echo may take 15 s, fewer than one error
    // per window, and the honest bound is the number of windows (+ the ones draining after it).
    const windows = Math.ceil(triggerMs / LINGER_MS) + 5;
    assert.ok(evs.length < 1000 && evs.length <= windows, `fewer events than errors and at most one per ${LINGER_MS} ms window: ${evs.length} events, ${windows} windows`);
    pool.umount(lf);
  });
}

test('a fake ext4 line written to /dev/kmsg by a user process is not an error', async () => {
  const lf = pool.create('ext4');
  restores.push(setKernelSetting('/proc/sys/kernel/printk_devkmsg', 'on'));
  const h = await watch(lf);
  const rejectedBefore = h.source.watcherStats()!.kmsgRejectedFacility;
  fs.writeFileSync('/dev/kmsg', `<2>EXT4-fs error (device ${lf.device}): fake_function:1: comm liar: forged by a user process\n`);
  fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, 'the real one');
  await h.waitFor('the real error', (evs) => evs.some((e) => e.fs.device === lf.device && (e.blob as Ext4Blob | null)?.message === 'the real one'));
  const rejected = h.source.watcherStats()!.kmsgRejectedFacility - rejectedBefore;
  await h.stop();
  const evs = h.eventsOf(lf.device);
  assert.equal(evs.length, 1, `only the real error: ${JSON.stringify(evs.map((e) => e.blob))}`);
  assert.ok(!evs.some((e) => (e.blob as Ext4Blob | null)?.function === 'fake_function'));
  assert.ok(rejected >= 1, 'the forged line was read and rejected (facility LOG_USER)');
  pool.umount(lf);
});
