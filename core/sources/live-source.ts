/**
 * The live kernel source: one native watcher (kernel log, fanotify FAN_FS_ERROR, mount changes)
 * plus the per-filesystem readers (error counters, probes) that the watcher's records set off.
 *
 * - Mounts: on start and on every mount change the mount table is re-read and diffed; watched
 *   filesystems (a plugin claims the type; sources.fsTypes / sources.mountPoints) become
 *   MountRecords. A filesystem is marked for FAN_FS_ERROR when its type reports errors on this
 *   kernel (live-fanotify-support.ts); a new superblock (mounted again) is marked again, because
 *   the kernel drops marks silently at unmount.
 * - Kernel log: from the end, or after the stored `kmsg.seq` of this boot. When resuming, the
 *   records the log still holds from before the marks were made are errors fanotify never saw, so
 *   mounts are reported as unwatched until the first record newer than the log's head at start has
 *   been handed on: those older lines then count as errors, newer ones add detail to fanotify's
 *   count (the plugins' rule). A ring overwritten meanwhile arrives as an exact kmsg-overrun loss.
 * - fanotify handles are resolved to paths (per mount) before records are handed on, without
 *   feeding back into the errors reported (live-handles.ts). Lookups and probes run off the JS
 *   thread, bounded in number and in time (async-limiter.ts): a failing disk that takes seconds
 *   per read delays an event's hand-over by at most `lookupTimeoutMs`, after which it goes on
 *   without a path (pathError 'TIMEOUT'), and the native reader keeps reading the kernel log all
 *   the while. Records are handed on in read order (ordered-emitter.ts).
 * - Counters and probes are read when a filesystem is marked, every interval, and `settleMs` after
 *   records that name the filesystem (live-scheduler.ts).
 * - Everything it asks of the kernel comes through one injected LiveNative (live-native.ts), so
 *   this logic is unit-tested without root.
 */
import type { Config } from '../config/schema';
import { FsfaultError } from '../errors';
import type { KmsgRecord, MountInfo, MountRecord, RawRecord } from '../model/raw-record';
import type { LiveSourceCounters } from '../pipeline/pipeline-stats';
import type { FsPlugin } from '../plugin-api';
import type { KmsgStart, Watcher, WatcherStats } from '../../native/types';
import { AsyncLimiter } from './async-limiter';
import { fanotifyReportsErrors } from './live-fanotify-support';
import { HandleResolver } from './live-handles';
import { kmsgResume, type CursorReader } from './live-kmsg-cursor';
import { LiveMounts, type TrackedFs } from './live-mounts';
import { REAL_LIVE_NATIVE, type LiveNative } from './live-native';
import { LiveScheduler } from './live-scheduler';
import { OrderedEmitter } from './ordered-emitter';
import type { FsProbe } from './probe';
import type { RecordSink, Source } from '../pipeline/source';

const FAN_FS_ERROR = 0x8000;

export interface LiveSourceOptions {
  sources: Config['sources'];
  plugins: readonly FsPlugin[];
  probes?: readonly FsProbe[];
  warn(message: string): void;
  /** After records of a filesystem, wait this long before reading its counters/probes (ms). */
  settleMs?: number;
  /** uname release used for the fanotify support table (tests pin it). */
  kernelRelease?: string;
  /** The kernel (default: the native addon). Unit tests pass a fake. */
  native?: LiveNative;
  /** Overrides sources.lookupTimeoutMs (ms). */
  lookupTimeoutMs?: number;
  /** Handle lookups running at once (default 2) and waiting (default 256). */
  maxLookups?: number;
  maxWaitingLookups?: number;
  /**
   * Records held while lookups wait, before the native reader is paused (default 16,384: 64 full
   * batches). Counted in records, not batches: a reader that keeps up hands over tiny batches.
   */
  maxHeldRecords?: number;
}

export interface LiveSourceStats {
  mountRefreshes: number;
  marks: number;
  markFailures: number;
  counterReads: number;
  probePolls: number;
  probeFailures: number;
  /** Probe polls whose ioctls did not finish within lookupTimeoutMs (their result is dropped). */
  probeTimeouts: number;
  /** Probe polls not started because the previous one of that filesystem was still running. */
  probeSkips: number;
  /** Times the native reader was paused because too many records waited for lookups. */
  heldPauses: number;
}

export class LiveSource implements Source {
  readonly name = 'live';
  readonly stats: LiveSourceStats = { mountRefreshes: 0, marks: 0, markFailures: 0, counterReads: 0, probePolls: 0, probeFailures: 0, probeTimeouts: 0, probeSkips: 0, heldPauses: 0 };
  readonly handles: HandleResolver;
  private selfInflicted: ((mount: MountInfo, errors: number) => void) | null = null;
  private watcher: Watcher | null = null;
  private sink: RecordSink | null = null;
  private readonly native: LiveNative;
  private readonly mounts: LiveMounts;
  readonly settleMs: number;
  private readonly types: ReadonlySet<string>;
  private store: CursorReader | null = null;
  private boot = '';
  /** Mount records say fanotify: true only once the log backlog from before the marks is through. */
  private armed = false;
  private backlogHead: number | null = null;
  private devicePattern: RegExp | null = null;
  private readonly emitter: OrderedEmitter;
  private readonly scheduler: LiveScheduler;
  private readonly probeLimiter: AsyncLimiter;
  /** Filesystems whose probe poll is still running (a timed-out one until the kernel returns). */
  private readonly probing = new Set<string>();
  private pausedByUs = false;
  /** The watcher's kmsg counters as they were at stop (the watcher is gone after it). */
  private lastKmsg = { rejected: 0, read: 0, lost: 0 };

  constructor(private readonly opts: LiveSourceOptions) {
    this.settleMs = opts.settleMs ?? 1000;
    if (!Number.isInteger(this.settleMs) || this.settleMs < 0) throw new FsfaultError('CONFIG_INVALID', `live source: settleMs must be a whole number of ms (got ${opts.settleMs})`);
    const timeoutMs = opts.lookupTimeoutMs ?? opts.sources.lookupTimeoutMs ?? 2000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new FsfaultError('CONFIG_INVALID', `live source: lookupTimeoutMs must be a whole number of ms >= 1 (got ${opts.lookupTimeoutMs})`);
    this.native = opts.native ?? REAL_LIVE_NATIVE;
    const claimed = new Map(opts.plugins.flatMap((p) => p.meta.fsTypes.map((t) => [t, p] as const)));
    const wanted = opts.sources.fsTypes ?? [...claimed.keys()];
    const unknown = wanted.filter((t) => !claimed.has(t));
    if (unknown.length) throw new FsfaultError('CONFIG_INVALID', `sources.fsTypes: no plugin claims ${unknown.join(', ')} (plugins claim ${[...claimed.keys()].join(', ')})`);
    this.types = new Set(wanted);
    const points = opts.sources.mountPoints ? new Set(opts.sources.mountPoints) : null;
    this.mounts = new LiveMounts((m) => (this.types.has(m.fsType) && (!points || points.has(m.mountPoint)) ? claimed.get(m.fsType) : undefined));
    // Pool threads a stuck call can hold: lookups 2 + probes 1, below libuv's 4 (async-limiter.ts).
    this.handles = new HandleResolver(
      (mnt, type, hex) => this.native.resolveHandle(mnt, type, hex),
      { maxInFlight: opts.maxLookups ?? 2, maxWaiting: opts.maxWaitingLookups ?? 256, timeoutMs },
      (fs, n) => this.selfInflicted?.(fs.mount, n),
    );
    this.probeLimiter = new AsyncLimiter({ maxInFlight: 1, maxWaiting: 64, timeoutMs });
    this.emitter = new OrderedEmitter({
      sink: (records) => this.sink?.(records),
      highWater: opts.maxHeldRecords ?? 16_384,
      onHigh: () => {
        if (!this.watcher) return;
        this.stats.heldPauses++;
        this.pausedByUs = true;
        this.watcher.pause();
      },
      onLow: () => {
        if (this.pausedByUs) this.watcher?.resume();
        this.pausedByUs = false;
      },
      onError: (e) => this.opts.warn(`live source: ${(e as Error).message}`),
    });
    const cfg = opts.sources;
    this.scheduler = new LiveScheduler(
      {
        watched: () => this.mounts.all(),
        current: (fs) => this.mounts.get(fs.key) === fs,
        readCounters: (fs) => this.readCountersOf(fs),
        pollProbes: (fs) => this.pollProbes(fs),
      },
      {
        settleMs: this.settleMs,
        countersEveryMs: cfg.counters.enabled ? cfg.counters.intervalMs : 0,
        probesEveryMs: cfg.health.enabled ? cfg.health.intervalMs : 0,
      },
    );
  }

  /** Told about kernel errors fsfault's own handle lookups caused (dropped here; see live-handles.ts). */
  onSelfInflicted(f: (mount: MountInfo, errors: number) => void): void {
    this.selfInflicted = f;
  }

  /** Where the previous run stopped (the store's source cursors of boot `boot`); call before start. */
  resumeFrom(store: CursorReader, boot: string): void {
    this.store = store;
    this.boot = boot;
  }

  async start(sink: RecordSink): Promise<void> {
    const cfg = this.opts.sources;
    this.native.assertPrivileges({ kmsg: cfg.kmsg, fanotify: cfg.fanotify });
    this.sink = sink;
    let start: KmsgStart = 'end';
    if (cfg.kmsg) {
      const resume = kmsgResume(this.store, this.boot);
      start = resume.start;
      if (typeof start === 'object') {
        // Learn the head before anything is marked: lines up to it predate the marks.
        this.backlogHead = await this.native.kmsgHeadSeq();
        if (this.backlogHead === null || this.backlogHead <= start.afterSeq) this.backlogHead = null;
      }
    }
    this.armed = this.backlogHead === null;
    this.watcher = this.native.createWatcher(
      {
        kmsg: cfg.kmsg ? { start } : undefined,
        fanotify: cfg.fanotify,
        onMountsChanged: () => this.refreshMounts(),
        onError: (e) => this.opts.warn(`live source: ${e.message}`),
      },
      (batch) => this.emitter.push(() => this.onBatch(batch), batch.length),
    );
    this.scheduler.start();
    this.refreshMounts();
  }

  finished(): Promise<void> {
    return new Promise(() => undefined); // the kernel has no end
  }

  async stop(): Promise<void> {
    this.scheduler.stop();
    const w = this.watcher;
    this.watcher = null;
    if (w) {
      await w.stop(); // batches read before the stop still reach the sink
      const st = w.stats();
      this.lastKmsg = { rejected: st.kmsgRejectedFacility, read: st.kmsgRecordsRead, lost: st.kmsgLostRecords };
    }
    await this.emitter.flushed(); // every wait in it is bounded by lookupTimeoutMs
    this.sink = null;
  }

  /** The native watcher (tests pause it to make the kernel log overrun). */
  nativeWatcher(): Watcher {
    if (!this.watcher) throw new FsfaultError('CONFIG_INVALID', 'live source: not started');
    return this.watcher;
  }

  /** The counters the metrics endpoint and `status` show (see LiveSourceCounters). */
  counters(): LiveSourceCounters {
    const st = this.watcher?.stats();
    return {
      kmsgRejected: st?.kmsgRejectedFacility ?? this.lastKmsg.rejected,
      kmsgRecordsRead: st?.kmsgRecordsRead ?? this.lastKmsg.read,
      kmsgLostRecords: st?.kmsgLostRecords ?? this.lastKmsg.lost,
      resolveTimeouts: this.handles.stats.timedOut,
      resolveRefused: this.handles.stats.refused,
      probeTimeouts: this.stats.probeTimeouts,
    };
  }

  watcherStats(): WatcherStats | null {
    return this.watcher?.stats() ?? null;
  }

  /** Filesystems watched now. */
  watched(): TrackedFs[] {
    return this.mounts.all();
  }

  /** Resolves once every record read so far has been handed on (lookups finished or timed out). */
  flushed(): Promise<void> {
    return this.emitter.flushed();
  }

  private emit(records: RawRecord[]): void {
    if (records.length > 0) this.emitter.push(() => records);
  }

  // ---- mounts ----

  private refreshMounts(): void {
    if (!this.watcher) return;
    this.stats.mountRefreshes++;
    let table: MountInfo[];
    try {
      table = this.native.readMountTable();
    } catch (e) {
      this.opts.warn(`live source: cannot read the mount table: ${(e as Error).message}`);
      return;
    }
    const changes = this.mounts.refresh(table);
    const now = Date.now() * 1000;
    const out: RawRecord[] = [];
    for (const fs of changes.gone) {
      // The kernel dropped the mark with the superblock; only our bookkeeping is left to drop.
      this.forget(fs);
      out.push(this.mountRecord('unmounted', fs.mount, fs, now));
    }
    for (const { fs, old } of changes.moved) {
      out.push(this.mountRecord('unmounted', old, fs, now), this.mountRecord('mounted', fs.mount, fs, now));
    }
    this.emit(out);
    for (const fs of changes.appeared) {
      fs.fanotify = this.mark(fs);
      // The mounted record carries the probes' geometry: it waits for it (bounded), in order.
      const geometry = this.attachGeometry(fs);
      this.emitter.push(() => geometry.then(() => [this.mountRecord('mounted', fs.mount, fs, now)]));
    }
    this.devicePattern = deviceRegex(this.mounts.all());
    for (const fs of changes.appeared) this.scheduler.mounted(fs);
  }

  private mountRecord(action: MountRecord['action'], mount: MountInfo, fs: TrackedFs, readAtUs: number): MountRecord {
    const rec: MountRecord = { source: 'mount', action, mount, readAtUs };
    if (action !== 'unmounted') rec.fanotify = this.armed && fs.fanotify;
    return rec;
  }

  private mark(fs: TrackedFs): boolean {
    if (!this.opts.sources.fanotify || !fanotifyReportsErrors(fs.plugin.meta, this.opts.kernelRelease)) return false;
    try {
      this.watcher!.markFilesystem(fs.mount.mountPoint);
      this.stats.marks++;
      return true;
    } catch (e) {
      this.stats.markFailures++;
      this.opts.warn(`live source: cannot mark ${fs.mount.mountPoint} (${fs.mount.device}) for FAN_FS_ERROR, watching its kernel log only: ${(e as Error).message}`);
      return false;
    }
  }

  private async attachGeometry(fs: TrackedFs): Promise<void> {
    for (const p of this.probesOf(fs)) {
      if (!p.onMount) continue;
      const onMount = p.onMount.bind(p);
      const out = await this.probeLimiter.run(async () => onMount(fs.mount));
      if (out.ok) {
        if (out.value.geometry !== undefined) fs.mount = { ...fs.mount, geometry: out.value.geometry };
      } else if (out.reason === 'ERROR') {
        this.probeFailed(fs, 'onMount', out.error);
      } else {
        this.probeTimedOut(fs, 'onMount', out.reason);
      }
    }
  }

  private forget(fs: TrackedFs): void {
    this.scheduler.forget(fs);
    this.handles.forget(fs);
  }

  /** Mount records with fanotify: true for every marked filesystem, once the backlog is through. */
  private arm(out: RawRecord[]): void {
    this.armed = true;
    const now = Date.now() * 1000;
    for (const fs of this.mounts.all()) if (fs.fanotify) out.push(this.mountRecord('mounted', fs.mount, fs, now));
  }

  // ---- records from the watcher ----

  /** Runs when every batch before it was handed on (ordered-emitter.ts). */
  private onBatch(batch: RawRecord[]): RawRecord[] | Promise<RawRecord[]> {
    const out: RawRecord[] = [];
    const active = new Set<TrackedFs>();
    const lookups: Promise<void>[] = [];
    for (const r of batch) {
      if (r.source === 'kmsg') {
        if (!this.armed && r.seq > this.backlogHead!) this.arm(out);
        this.noteKmsg(r, active);
        out.push(r);
        if (!this.armed && r.seq === this.backlogHead) this.arm(out);
        continue;
      }
      if (r.source === 'fanotify' && (r.mask & FAN_FS_ERROR) !== 0) {
        const fs = this.mounts.byFsid(r.fsid);
        if (!this.handles.keep(r, fs)) continue;
        if (fs) active.add(fs);
        lookups.push(this.handles.resolve(r, fs));
      }
      out.push(r);
    }
    for (const fs of active) this.scheduler.active(fs);
    return lookups.length === 0 ? out : Promise.all(lookups).then(() => out);
  }

  private noteKmsg(r: KmsgRecord, active: Set<TrackedFs>): void {
    if (!this.devicePattern) return;
    for (const m of r.text.matchAll(this.devicePattern)) {
      const fs = this.mounts.all().find((f) => f.mount.device === m[1]);
      if (fs) active.add(fs);
    }
  }

  // ---- counters and probes ----

  private readCountersOf(fs: TrackedFs): { total: number | null } | undefined {
    const probe = fs.plugin.counters;
    if (!probe || !this.opts.sources.counters.enabled || !this.watcher) return undefined;
    let rec;
    try {
      rec = this.native.readCounters(probe, fs.mount);
    } catch (e) {
      this.opts.warn(`live source: cannot read the error counters of ${fs.mount.device}: ${(e as Error).message}`);
      return undefined;
    }
    if (!rec) return undefined;
    this.stats.counterReads++;
    this.emit([rec]);
    let total: number | null = null;
    try {
      total = probe.total(rec);
    } catch {
      // the reconciler ignores a reading without a total, and so does the re-read rule
    }
    return { total };
  }

  private probesOf(fs: TrackedFs): FsProbe[] {
    return (this.opts.probes ?? []).filter((p) => p.fsType === fs.mount.fsType);
  }

  private pollProbes(fs: TrackedFs): void {
    if (!this.opts.sources.health.enabled || !this.watcher) return;
    for (const p of this.probesOf(fs)) {
      const key = `${fs.key}:${p.fsType}`;
      if (this.probing.has(key)) {
        this.stats.probeSkips++;
        continue;
      }
      this.probing.add(key);
      this.stats.probePolls++;
      const mount = fs.mount;
      const outcome = this.probeLimiter.run(async () => {
        try {
          return await p.poll(mount);
        } finally {
          this.probing.delete(key); // only once the ioctls really returned
        }
      });
      this.emitter.push(() =>
        outcome.then((o) => {
          if (o.ok) return o.value;
          if (o.reason === 'ERROR') this.probeFailed(fs, 'poll', o.error);
          else this.probeTimedOut(fs, 'poll', o.reason);
          return [];
        }),
      );
    }
  }

  private probeTimedOut(fs: TrackedFs, fn: string, reason: string): void {
    this.stats.probeTimeouts++;
    if (this.stats.probeTimeouts === 1 || this.stats.probeTimeouts % 100 === 0) {
      this.opts.warn(`live source: ${fs.mount.fsType} probe ${fn} on ${fs.mount.device} did not finish in time (${reason}; ${this.stats.probeTimeouts} so far), going on without it`);
    }
  }

  private probeFailed(fs: TrackedFs, fn: string, e: unknown): void {
    this.stats.probeFailures++;
    if (this.stats.probeFailures === 1 || this.stats.probeFailures % 100 === 0) {
      this.opts.warn(`live source: ${fs.mount.fsType} probe ${fn} failed on ${fs.mount.device} (${this.stats.probeFailures} failures so far): ${(e as Error).message}`);
    }
  }
}

/** One pattern matching any watched device name as a whole word in a log line. */
function deviceRegex(fss: readonly TrackedFs[]): RegExp | null {
  const names = [...new Set(fss.map((f) => f.mount.device))];
  if (names.length === 0) return null;
  const alt = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`(?<!\\w)(${alt})(?!\\w)`, 'g');
}
