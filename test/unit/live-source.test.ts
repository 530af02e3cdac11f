/**
 * The live source's own logic with a fake kernel (LiveNative): mount diff and marks, the
 * kernel-log backlog, slow handle lookups (bounded, timed out, marked, in order), probe timeouts
 * and scheduling, the rejected-record counter. The real kernel paths are in test/kernel/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../core/config/load';
import type { FanotifyRecord, KmsgRecord, MountInfo, RawRecord } from '../../core/model/raw-record';
import { AsyncLimiter } from '../../core/sources/async-limiter';
import { LiveSource } from '../../core/sources/live-source';
import type { LiveNative } from '../../core/sources/live-native';
import type { FsProbe } from '../../core/sources/probe';
import type { BatchHandler, ResolvedHandle, Watcher, WatcherOptions, WatcherStats } from '../../native/types';
import { ext4Plugin } from '../../plugins/ext4';
import { xfsPlugin } from '../../plugins/xfs';

const builtinPlugins = [ext4Plugin, xfsPlugin];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mount(n: number, fsType = 'ext4'): MountInfo {
  return { mountId: 100 + n, mountPoint: `/mnt/t${n}`, device: `loop${n}`, majorMinor: `7:${n}`, fsType, fsid: `000000000000000${n}`, uuid: null, options: [] };
}

function fan(fsid: string, handle: string, pid = 1): FanotifyRecord {
  return { source: 'fanotify', mask: 0x8000, fsid, error: 5, errorCount: 1, handleType: 1, handle, pid, readAtUs: 1 };
}

function kmsg(seq: number, text: string): KmsgRecord {
  return { source: 'kmsg', seq, facility: 0, level: 3, tsUsec: seq, flags: '-', text, dict: {}, readAtUs: 1 } as KmsgRecord;
}

class FakeWatcher implements Watcher {
  marks: string[] = [];
  paused = 0;
  rejected = 0;
  constructor(readonly opts: WatcherOptions, readonly onBatch: BatchHandler) {}
  markFilesystem(p: string): void {
    if (p.includes('nomark')) throw new Error('EPERM');
    this.marks.push(p);
  }
  unmarkFilesystem(): void {}
  pause(): void {
    this.paused++;
  }
  resume(): void {}
  async stop(): Promise<void> {}
  stats(): WatcherStats {
    return { kmsgRecordsRead: this.rejected, kmsgRecords: 0, kmsgRejectedFacility: this.rejected, kmsgLostRecords: 0, kmsgOverruns: 0, fanotifyEvents: 0, fanotifyOverflows: 0, batchesDelivered: 0, backpressureWaits: 0, readErrors: 0 };
  }
  lastKmsgSeq(): number | null {
    return null;
  }
}

class FakeKernel implements LiveNative {
  table: MountInfo[] = [];
  watcher: FakeWatcher | null = null;
  head: number | null = null;
  /** Per handle: ms the lookup takes, and its answer. */
  lookups = new Map<string, { ms: number; answer: ResolvedHandle }>();
  lookupCalls: string[] = [];
  counterReads = 0;
  assertPrivileges(): void {}
  createWatcher(o: WatcherOptions, onBatch: BatchHandler): Watcher {
    this.watcher = new FakeWatcher(o, onBatch);
    return this.watcher;
  }
  async kmsgHeadSeq(): Promise<number | null> {
    return this.head;
  }
  readMountTable(): MountInfo[] {
    return this.table;
  }
  async resolveHandle(mnt: string, _type: number, hex: string): Promise<ResolvedHandle> {
    this.lookupCalls.push(hex);
    const l = this.lookups.get(hex) ?? { ms: 0, answer: { path: `${mnt}/f-${hex}` } };
    await sleep(l.ms);
    return l.answer;
  }
  readCounters(_probe: unknown, m: MountInfo) {
    this.counterReads++;
    return { source: 'sysfs' as const, device: m.device, fsType: m.fsType, readAtUs: 1, counters: { errors_count: 0 } };
  }
}

function source(kernel: FakeKernel, extra: Record<string, unknown> = {}, probes: FsProbe[] = []) {
  const config = validateConfig({ sources: { counters: { intervalMs: 0 }, health: { intervalMs: 0 }, ...extra } }, 'test');
  const warnings: string[] = [];
  const out: RawRecord[] = [];
  const s = new LiveSource({ sources: config.sources, plugins: builtinPlugins, probes, warn: (m) => warnings.push(m), settleMs: 0, kernelRelease: '6.18.0', native: kernel, lookupTimeoutMs: 150 });
  return { s, out, warnings, sink: (rs: RawRecord[]) => out.push(...rs) };
}

test('mounts: watched types become mount records, marked for FAN_FS_ERROR; a failed mark is a warning and kmsg-only', async () => {
  const k = new FakeKernel();
  k.table = [mount(1), { ...mount(2), mountPoint: '/mnt/nomark2' }, mount(3, 'tmpfs')];
  const { s, out, warnings, sink } = source(k);
  await s.start(sink);
  await s.flushed();
  const mounted = out.filter((r) => r.source === 'mount');
  assert.deepEqual(mounted.map((r) => r.source === 'mount' && [r.action, r.mount.device, r.fanotify]), [['mounted', 'loop1', true], ['mounted', 'loop2', false]]);
  assert.deepEqual(k.watcher!.marks, ['/mnt/t1']);
  assert.match(warnings.join('\n'), /cannot mark \/mnt\/nomark2/);
  // Unmount one: an unmounted record, bookkeeping dropped.
  k.table = [mount(1)];
  k.watcher!.opts.onMountsChanged!();
  await s.flushed();
  assert.deepEqual(out.at(-1)!.source === 'mount' && [out.at(-1)!.source, (out.at(-1) as { action: string }).action], ['mount', 'unmounted']);
  await s.stop();
});

test('resume with a backlog: mounts say fanotify false until the record at the head passed, then again with true', async () => {
  const k = new FakeKernel();
  k.table = [mount(1)];
  k.head = 12;
  const { s, out, sink } = source(k);
  s.resumeFrom({ sourceCursor: (n) => ({ 'kmsg.seq': '10', 'kmsg.boot': 'b' })[n] ?? null }, 'b');
  await s.start(sink);
  assert.deepEqual(k.watcher!.opts.kmsg, { start: { afterSeq: 10 } });
  k.watcher!.onBatch([kmsg(11, 'old'), kmsg(12, 'head'), kmsg(13, 'new')]);
  await s.flushed();
  const flags = out.map((r) => (r.source === 'mount' ? `m:${r.fanotify}` : r.source === 'kmsg' ? `k${r.seq}` : r.source));
  assert.deepEqual(flags.filter((f) => f !== 'sysfs'), ['m:false', 'k11', 'k12', 'm:true', 'k13']);
  await s.stop();
});

test('a slow lookup: the event goes on after the timeout with pathError TIMEOUT, in read order, counted; others resolve', async () => {
  const k = new FakeKernel();
  k.table = [mount(1)];
  k.lookups.set('aa', { ms: 1000, answer: { path: '/late' } });
  const { s, out, sink } = source(k);
  await s.start(sink);
  await s.flushed();
  out.length = 0;
  const t0 = Date.now();
  k.watcher!.onBatch([fan(mount(1).fsid!, 'aa'), kmsg(1, 'x')]);
  k.watcher!.onBatch([fan(mount(1).fsid!, 'bb'), kmsg(2, 'y')]);
  await s.flushed();
  const waited = Date.now() - t0;
  assert.ok(waited < 900, `handed on after the timeout, not after the lookup (${waited} ms)`);
  const fans = out.filter((r): r is FanotifyRecord => r.source === 'fanotify');
  assert.deepEqual(fans.map((r) => [r.handle, r.path, r.pathError]), [['aa', null, 'TIMEOUT'], ['bb', '/mnt/t1/f-bb', null]]);
  assert.deepEqual(out.filter((r) => r.source !== 'sysfs').map((r) => r.source), ['fanotify', 'kmsg', 'fanotify', 'kmsg'], 'read order kept');
  assert.equal(s.counters().resolveTimeouts, 1);
  await s.stop();
});

test('lookups are bounded: at most maxLookups run, a full wait list answers BUSY at once', async () => {
  const k = new FakeKernel();
  k.table = [mount(1)];
  for (const h of ['01', '02', '03', '04']) k.lookups.set(h, { ms: 300, answer: { path: `/p${h}` } });
  const config = validateConfig({ sources: { counters: { intervalMs: 0 }, health: { intervalMs: 0 } } }, 'test');
  const out: RawRecord[] = [];
  const s = new LiveSource({ sources: config.sources, plugins: builtinPlugins, warn: () => undefined, settleMs: 0, kernelRelease: '6.18.0', native: k, lookupTimeoutMs: 1000, maxLookups: 1, maxWaitingLookups: 1 });
  await s.start((rs) => out.push(...rs));
  k.watcher!.onBatch(['01', '02', '03', '04'].map((h) => fan(mount(1).fsid!, h)));
  await s.flushed();
  const fans = out.filter((r): r is FanotifyRecord => r.source === 'fanotify');
  assert.deepEqual(fans.map((r) => r.pathError ?? r.path), ['/p01', '/p02', 'BUSY', 'BUSY']);
  assert.equal(s.counters().resolveRefused, 2);
  await s.stop();
});

test('AsyncLimiter: a timed-out call keeps its slot until it really returns', async () => {
  const l = new AsyncLimiter({ maxInFlight: 1, maxWaiting: 4, timeoutMs: 50 });
  let release!: () => void;
  const stuck = l.run(() => new Promise<void>((r) => (release = r)));
  assert.deepEqual(await stuck, { ok: false, reason: 'TIMEOUT' });
  assert.equal(l.stats.inFlight, 1, 'the stuck call still holds the slot');
  const next = l.run(async () => 'ran');
  await sleep(80);
  assert.equal(l.stats.timedOut, 2, 'the next one waited for the slot and timed out too');
  assert.deepEqual(await next, { ok: false, reason: 'TIMEOUT' });
  release();
  await sleep(10);
  assert.equal(l.stats.inFlight, 0);
  assert.deepEqual(await l.run(async () => 7), { ok: true, value: 7 });
  assert.deepEqual(await l.run(() => Promise.reject(new Error('x'))).then((o) => o.ok || o.reason), 'ERROR');
});

test('a failed lookup is not repeated for the same handle; an ESTALE of our own makes the next own event self-inflicted', async () => {
  const k = new FakeKernel();
  k.table = [mount(1)];
  k.lookups.set('cc', { ms: 0, answer: { error: 'ESTALE' } });
  const { s, out, sink } = source(k);
  const excused: number[] = [];
  s.onSelfInflicted((_m, n) => excused.push(n));
  await s.start(sink);
  k.watcher!.onBatch([fan(mount(1).fsid!, 'cc')]);
  // fsfault's own lookup made the kernel report the inode again (pid = this process).
  k.watcher!.onBatch([fan(mount(1).fsid!, 'cc', process.pid)]);
  await s.flushed();
  assert.deepEqual(k.lookupCalls, ['cc'], 'looked up once');
  assert.equal(out.filter((r) => r.source === 'fanotify').length, 1, 'the self-inflicted event is dropped');
  assert.deepEqual(excused, [1]);
  await s.stop();
});

test('probes: a poll that does not finish in time is dropped and counted; no second poll of the same filesystem meanwhile', async () => {
  const k = new FakeKernel();
  k.table = [mount(1, 'xfs')];
  let polls = 0;
  const probe: FsProbe = {
    fsType: 'xfs',
    async onMount() {
      return { geometry: { agcount: 4 } };
    },
    async poll(m) {
      polls++;
      await sleep(400);
      return [{ source: 'ioctl', device: m.device, fsType: 'xfs', readAtUs: 1, scope: 'fs', index: null, sick: 0, checked: 0, failure: null }];
    },
  };
  const { s, out, warnings, sink } = source(k, {}, [probe]);
  await s.start(sink);
  await s.flushed();
  const m = out.find((r) => r.source === 'mount');
  assert.deepEqual(m?.source === 'mount' && m.mount.geometry, { agcount: 4 }, 'the mounted record waited for the geometry');
  assert.equal(polls, 1);
  assert.equal(s.stats.probeTimeouts, 1);
  assert.match(warnings.join('\n'), /did not finish in time/);
  // Records name the filesystem: the settle-time re-read would poll again, but the first poll still runs.
  k.watcher!.onBatch([kmsg(1, 'XFS (loop1): metadata I/O error')]);
  await sleep(150);
  assert.equal(polls, 1);
  assert.equal(s.stats.probeSkips, 1);
  assert.equal(out.filter((r) => r.source === 'ioctl').length, 0, 'late results are not handed on');
  await sleep(300);
  await s.stop();
});

test('counters: read at mount and again after a settle when records named the filesystem', async () => {
  const k = new FakeKernel();
  k.table = [mount(1)];
  const { s, sink } = source(k);
  await s.start(sink);
  assert.equal(k.counterReads, 1, 'at mount');
  k.watcher!.onBatch([kmsg(1, 'EXT4-fs error (device loop1): x')]);
  await sleep(250);
  assert.equal(k.counterReads, 2, 'after the settle');
  await s.stop();
});

test('counters(): the native rejected-record count, kept after stop', async () => {
  const k = new FakeKernel();
  const { s, sink } = source(k);
  await s.start(sink);
  k.watcher!.rejected = 3;
  assert.equal(s.counters().kmsgRejected, 3);
  await s.stop();
  assert.equal(s.counters().kmsgRejected, 3);
});

test('too many records waiting for lookups: the native reader is paused (the kernel counts what it cannot read)', async () => {
  const k = new FakeKernel();
  k.table = [mount(1)];
  k.lookups.set('dd', { ms: 200, answer: { path: '/d' } });
  const config = validateConfig({ sources: { counters: { intervalMs: 0 }, health: { intervalMs: 0 } } }, 'test');
  const s = new LiveSource({ sources: config.sources, plugins: builtinPlugins, warn: () => undefined, settleMs: 0, kernelRelease: '6.18.0', native: k, maxHeldRecords: 4 });
  await s.start(() => undefined);
  k.watcher!.onBatch([fan(mount(1).fsid!, 'dd')]);
  for (let i = 0; i < 6; i++) k.watcher!.onBatch([kmsg(i, 'x')]);
  assert.equal(k.watcher!.paused, 1);
  assert.equal(s.stats.heldPauses, 1);
  await s.flushed();
  await s.stop();
});

test('many tiny batches while a lookup waits do not pause the reader: the bound counts records, not batches', async () => {
  // A reader that keeps up with a flood hands over a batch per wake-up, often of one record. With
  // the bound counted in batches (64), 65 such batches paused the reader within a fraction of the
  // lookup timeout, and the kernel log overran behind it (test/kernel/slow-disk.test.ts).
  const k = new FakeKernel();
  k.table = [mount(1)];
  k.lookups.set('dd', { ms: 200, answer: { path: '/d' } });
  const config = validateConfig({ sources: { counters: { intervalMs: 0 }, health: { intervalMs: 0 } } }, 'test');
  const s = new LiveSource({ sources: config.sources, plugins: builtinPlugins, warn: () => undefined, settleMs: 0, kernelRelease: '6.18.0', native: k });
  const got: RawRecord[] = [];
  await s.start((rs) => void got.push(...rs));
  k.watcher!.onBatch([fan(mount(1).fsid!, 'dd')]);
  for (let i = 0; i < 1000; i++) k.watcher!.onBatch([kmsg(i, 'x')]);
  assert.equal(k.watcher!.paused, 0, 'not paused: 1,000 records are far below the bound');
  assert.equal(s.stats.heldPauses, 0);
  await s.flushed();
  assert.equal(got.filter((r) => r.source === 'kmsg').length, 1000, 'all handed on, in order, once the lookup finished');
  await s.stop();
});
