/**
 * fanotify FAN_FS_ERROR through the native watcher on a real loop-mounted ext4 (root needed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { FanotifyRecord, RawRecord } from '../../core/model/raw-record';
import { createWatcher, statfsFsid } from '../../native/index';
import type { Watcher } from '../../native/types';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { Collector, sleep, until } from './native-collector';

const isFan = (r: RawRecord): r is FanotifyRecord => r.source === 'fanotify';

let pool: LoopFsPool;
const watchers: Watcher[] = [];

function trigger(lf: LoopFs, msg: string): void {
  fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, msg);
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** fdinfo lines of this process's fanotify fds that describe a mark ("fanotify sdev:..."). */
function fanotifyMarkLines(): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let link: string;
    try {
      link = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (link !== 'anon_inode:[fanotify]') continue;
    out.push(...fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('fanotify sdev:')));
  }
  return out;
}

function watch(c: Collector, extra: { onMountsChanged?: () => void } = {}): Watcher {
  const w = createWatcher({ fanotify: true, onError: c.onError, ...extra }, c.onBatch);
  watchers.push(w);
  return w;
}

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-native-fan-');
});

after(async () => {
  for (const w of watchers) await w.stop();
  const problems = pool.cleanup();
  assert.deepEqual(problems, [], 'cleanup');
});

test('trigger_fs_error gives one FanotifyRecord: EUCLEAN, count 1, superblock handle, statfs fsid', async () => {
  const lf = pool.create('ext4');
  const c = new Collector();
  const w = watch(c);
  w.markFilesystem(lf.mountPoint);
  trigger(lf, 'native-fanotify test');
  const ev = await c.waitFor('the FAN_FS_ERROR event', isFan);
  assert.equal(ev.mask, 0x8000);
  assert.equal(Math.abs(ev.error), 117);
  assert.equal(ev.errorCount, 1);
  assert.equal(ev.handleType, 255);
  assert.equal(ev.handle, '');
  assert.equal(ev.fsid, statfsFsid(lf.mountPoint));
  assert.match(ev.fsid, /^[0-9a-f]{16}$/);
  assert.equal(ev.pid, process.pid, 'pid is the process that hit the error');
  assert.ok(Math.abs(ev.readAtUs - Date.now() * 1000) < 10_000_000, 'readAtUs is wall-clock µs');
  await sleep(200);
  assert.equal(c.fanotify().length, 1, 'exactly one event');
  assert.equal(w.stats().fanotifyEvents, 1);
  assert.deepEqual(c.errors, []);
  await w.stop();
  pool.umount(lf);
});

test('a mark does not survive unmount; re-marking the remounted filesystem restores events', async () => {
  const lf = pool.create('ext4');
  const c = new Collector();
  const w = watch(c);
  w.markFilesystem(lf.mountPoint);
  pool.umount(lf);
  pool.mount(lf);
  trigger(lf, 'after remount, old mark');
  await sleep(500);
  assert.equal(c.fanotify().length, 0, 'the old mark must not see the new superblock');
  w.markFilesystem(lf.mountPoint);
  trigger(lf, 'after remount, new mark');
  const ev = await c.waitFor('the event after re-marking', isFan);
  assert.equal(ev.fsid, statfsFsid(lf.mountPoint));
  await w.stop();
  pool.umount(lf);
});

test('unmarkFilesystem removes the mark; unmarking again is a typed ENOENT', async () => {
  const lf = pool.create('ext4');
  const c = new Collector();
  const w = watch(c);
  w.markFilesystem(lf.mountPoint);
  w.unmarkFilesystem(lf.mountPoint);
  trigger(lf, 'unmarked');
  await sleep(300);
  assert.equal(c.fanotify().length, 0);
  assert.throws(
    () => w.unmarkFilesystem(lf.mountPoint),
    (e: unknown) => (e as { code?: string }).code === 'NATIVE_SYSCALL' && (e as { details: { errno: string } }).details.errno === 'ENOENT',
  );
  assert.throws(
    () => w.markFilesystem('/proc'),
    (e: unknown) => (e as { code?: string }).code === 'NATIVE_SYSCALL' && /fanotify_mark\(\/proc\).*EOPNOTSUPP/.test((e as Error).message),
  );
  await w.stop();
  pool.umount(lf);
});

test('fd count is stable over 50 createWatcher/stop cycles', async () => {
  const c = new Collector();
  const before = openFds();
  for (let i = 0; i < 50; i++) {
    const w = createWatcher({ fanotify: true, kmsg: { start: 'end' }, onMountsChanged: c.onMountsChanged, onError: c.onError }, c.onBatch);
    await w.stop();
    await w.stop(); // idempotent
  }
  assert.equal(openFds(), before);
});

test('fd count and kernel marks are stable over 50 mark/unmount/remount cycles', async () => {
  const lf = pool.create('ext4');
  const c = new Collector();
  const w = watch(c);
  const fdsBefore = openFds();
  for (let i = 0; i < 50; i++) {
    w.markFilesystem(lf.mountPoint);
    assert.equal(fanotifyMarkLines().length, 1, `cycle ${i}: one sb mark`);
    pool.umount(lf);
    pool.mount(lf);
  }
  assert.equal(openFds(), fdsBefore);
  assert.equal(fanotifyMarkLines().length, 0, 'unmount removed every mark');
  w.markFilesystem(lf.mountPoint);
  trigger(lf, 'after 50 cycles');
  await c.waitFor('an event after 50 cycles', isFan);
  assert.deepEqual(c.errors, []);
  await w.stop();
  pool.umount(lf);
});

test('onMountsChanged fires on mount and on unmount, coalesced', async () => {
  const c = new Collector();
  const w = watch(c, { onMountsChanged: c.onMountsChanged });
  const lf = pool.create('ext4');
  assert.ok(await until(() => c.mountSignals >= 1, 3000), 'signal after mount');
  const afterMount = c.mountSignals;
  pool.umount(lf);
  assert.ok(await until(() => c.mountSignals > afterMount, 3000), 'signal after unmount');
  assert.ok(c.mountSignals <= 3, `coalesced: ${c.mountSignals} signals for 2 changes`);
  await w.stop();
});

test('queue overflow while paused: 16384 events, then one fanotify-overflow LossRecord', { timeout: 180_000 }, async () => {
  const lf = pool.create('ext4');
  const c = new Collector();
  const sizes: number[] = [];
  const w = createWatcher({ fanotify: true, onError: c.onError }, (b: RawRecord[]) => {
    sizes.push(b.length);
    c.onBatch(b);
  });
  watchers.push(w);
  w.markFilesystem(lf.mountPoint);
  w.pause();
  // Errors from one process merge into one queued event; each subshell is a new pid, a new event.
  const n = 16_400;
  sh('bash', ['-c', `for i in $(seq ${n}); do (echo x > /sys/fs/ext4/${lf.device}/trigger_fs_error); done`], { timeoutMs: 170_000 });
  w.resume();
  await c.waitFor('the overflow loss', (r): r is RawRecord => r.source === 'loss', 20_000);
  assert.ok(await until(() => c.fanotify().length >= 16_384, 20_000), `got ${c.fanotify().length} events`);
  await sleep(200);
  assert.equal(c.fanotify().length, 16_384, 'the kernel queue limit');
  assert.deepEqual(
    c.losses().map((l) => [l.origin, l.reason, l.count]),
    [['fanotify', 'fanotify-overflow', 1]],
  );
  assert.equal(Number(fs.readFileSync(`/sys/fs/ext4/${lf.device}/errors_count`, 'utf8')), n, 'the kernel counted every error');
  const st = w.stats();
  assert.equal(st.fanotifyEvents, 16_384);
  assert.equal(st.fanotifyOverflows, 1);
  assert.ok(sizes.every((x) => x >= 1 && x <= 256), 'batches within batchMax');
  assert.deepEqual(c.errors, []);
  await w.stop();
  pool.umount(lf);
});
