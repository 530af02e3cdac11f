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
 *   feeding back into the errors reported (live-handles.ts).
 * - Counters and probes are read when a filesystem is marked, every interval, and `settleMs` after
 *   records that name the filesystem; a counter that moved is read again after `settleMs` so the
 *   reconciler gets the quiet pair of readings it needs (core/pipeline/counter-reconciler.ts).
 */
import type { Config } from '../config/schema';
import { FsfaultError } from '../errors';
import type { KmsgRecord, MountInfo, MountRecord, RawRecord } from '../model/raw-record';
import type { FsPlugin } from '../plugin-api';
import { createWatcher, readMountTable } from '../../native/index';
import type { KmsgStart, Watcher, WatcherStats } from '../../native/types';
import { readCounters } from './live-counters';
import { fanotifyReportsErrors } from './live-fanotify-support';
import { HandleResolver } from './live-handles';
import { kmsgHeadSeq, kmsgResume, type CursorReader } from './live-kmsg-cursor';
import { LiveMounts, type TrackedFs } from './live-mounts';
import { assertLivePrivileges } from './live-privileges';
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
}

export interface LiveSourceStats {
  mountRefreshes: number;
  marks: number;
  markFailures: number;
  counterReads: number;
  probePolls: number;
  probeFailures: number;
}

export class LiveSource implements Source {
  readonly name = 'live';
  readonly stats: LiveSourceStats = { mountRefreshes: 0, marks: 0, markFailures: 0, counterReads: 0, probePolls: 0, probeFailures: 0 };
  readonly handles = new HandleResolver((fs, n) => this.selfInflicted?.(fs.mount, n));
  private selfInflicted: ((mount: MountInfo, errors: number) => void) | null = null;
  private watcher: Watcher | null = null;
  private sink: RecordSink | null = null;
  private readonly mounts: LiveMounts;
  readonly settleMs: number;
  private readonly types: ReadonlySet<string>;
  private store: CursorReader | null = null;
  private boot = '';
  /** Mount records say fanotify: true only once the log backlog from before the marks is through. */
  private armed = false;
  private backlogHead: number | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly soon = new Map<string, NodeJS.Timeout>();
  private readonly lastTotal = new Map<string, number | null>();
  private devicePattern: RegExp | null = null;

  constructor(private readonly opts: LiveSourceOptions) {
    this.settleMs = opts.settleMs ?? 1000;
    if (!Number.isInteger(this.settleMs) || this.settleMs < 0) throw new FsfaultError('CONFIG_INVALID', `live source: settleMs must be a whole number of ms (got ${opts.settleMs})`);
    const claimed = new Map(opts.plugins.flatMap((p) => p.meta.fsTypes.map((t) => [t, p] as const)));
    const wanted = opts.sources.fsTypes ?? [...claimed.keys()];
    const unknown = wanted.filter((t) => !claimed.has(t));
    if (unknown.length) throw new FsfaultError('CONFIG_INVALID', `sources.fsTypes: no plugin claims ${unknown.join(', ')} (plugins claim ${[...claimed.keys()].join(', ')})`);
    this.types = new Set(wanted);
    const points = opts.sources.mountPoints ? new Set(opts.sources.mountPoints) : null;
    this.mounts = new LiveMounts((m) => (this.types.has(m.fsType) && (!points || points.has(m.mountPoint)) ? claimed.get(m.fsType) : undefined));
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
    assertLivePrivileges({ kmsg: cfg.kmsg, fanotify: cfg.fanotify });
    this.sink = sink;
    let start: KmsgStart = 'end';
    if (cfg.kmsg) {
      const resume = kmsgResume(this.store, this.boot);
      start = resume.start;
      if (typeof start === 'object') {
        // Learn the head before anything is marked: lines up to it predate the marks.
        this.backlogHead = await kmsgHeadSeq();
        if (this.backlogHead === null || this.backlogHead <= start.afterSeq) this.backlogHead = null;
      }
    }
    this.armed = this.backlogHead === null;
    this.watcher = createWatcher(
      {
        kmsg: cfg.kmsg ? { start } : undefined,
        fanotify: cfg.fanotify,
        onMountsChanged: () => this.refreshMounts(),
        onError: (e) => this.opts.warn(`live source: ${e.message}`),
      },
      (batch) => this.onBatch(batch),
    );
    this.refreshMounts();
    if (cfg.counters.enabled && cfg.counters.intervalMs > 0) this.timers.push(setInterval(() => this.all((fs) => this.readCountersOf(fs)), cfg.counters.intervalMs));
    if (cfg.health.enabled && cfg.health.intervalMs > 0) this.timers.push(setInterval(() => this.all((fs) => this.pollProbes(fs)), cfg.health.intervalMs));
  }

  finished(): Promise<void> {
    return new Promise(() => undefined); // the kernel has no end
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    for (const t of this.soon.values()) clearTimeout(t);
    this.soon.clear();
    const w = this.watcher;
    this.watcher = null;
    if (w) await w.stop(); // batches read before the stop still reach the sink
    this.sink = null;
  }

  /** The native watcher (tests pause it to make the kernel log overrun). */
  nativeWatcher(): Watcher {
    if (!this.watcher) throw new FsfaultError('CONFIG_INVALID', 'live source: not started');
    return this.watcher;
  }

  watcherStats(): WatcherStats | null {
    return this.watcher?.stats() ?? null;
  }

  /** Filesystems watched now. */
  watched(): TrackedFs[] {
    return this.mounts.all();
  }

  private emit(records: RawRecord[]): void {
    if (records.length > 0) this.sink?.(records);
  }

  private all(f: (fs: TrackedFs) => void): void {
    for (const fs of this.mounts.all()) f(fs);
  }

  // ---- mounts ----

  private refreshMounts(): void {
    if (!this.watcher) return;
    this.stats.mountRefreshes++;
    let table: MountInfo[];
    try {
      table = readMountTable();
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
    for (const fs of changes.appeared) {
      fs.fanotify = this.mark(fs);
      this.attachGeometry(fs);
      out.push(this.mountRecord('mounted', fs.mount, fs, now));
    }
    this.devicePattern = deviceRegex(this.mounts.all());
    this.emit(out);
    for (const fs of changes.appeared) {
      this.readCountersOf(fs);
      this.pollProbes(fs);
    }
  }

  private mountRecord(action: MountRecord['action'], mount: MountInfo, fs: TrackedFs, readAtUs: number): MountRecord {
    const rec: MountRecord = { source: 'mount', action, mount, readAtUs };
    if (action !== 'unmounted') rec.fanotify = this.armed && fs.fanotify;
    return rec;
  }

  private mark(fs: TrackedFs): boolean {
    if (!this.opts.sources.fanotify || !fanotifyReportsErrors(fs.mount.fsType, this.opts.kernelRelease)) return false;
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

  private attachGeometry(fs: TrackedFs): void {
    for (const p of this.probesOf(fs)) {
      if (!p.onMount) continue;
      try {
        const extra = p.onMount(fs.mount);
        if (extra.geometry !== undefined) fs.mount = { ...fs.mount, geometry: extra.geometry };
      } catch (e) {
        this.probeFailed(fs, 'onMount', e);
      }
    }
  }

  private forget(fs: TrackedFs): void {
    const t = this.soon.get(fs.key);
    if (t) clearTimeout(t);
    this.soon.delete(fs.key);
    this.lastTotal.delete(fs.key);
    this.handles.forget(fs);
  }

  /** Mount records with fanotify: true for every marked filesystem, once the backlog is through. */
  private arm(out: RawRecord[]): void {
    this.armed = true;
    const now = Date.now() * 1000;
    for (const fs of this.mounts.all()) if (fs.fanotify) out.push(this.mountRecord('mounted', fs.mount, fs, now));
  }

  // ---- records from the watcher ----

  private onBatch(batch: RawRecord[]): void {
    const out: RawRecord[] = [];
    const active = new Set<TrackedFs>();
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
        this.handles.resolve(r, fs);
      }
      out.push(r);
    }
    this.emit(out);
    for (const fs of active) this.settleThenRead(fs);
  }

  private noteKmsg(r: KmsgRecord, active: Set<TrackedFs>): void {
    if (!this.devicePattern) return;
    for (const m of r.text.matchAll(this.devicePattern)) {
      const fs = this.mounts.all().find((f) => f.mount.device === m[1]);
      if (fs) active.add(fs);
    }
  }

  // ---- counters and probes ----

  private settleThenRead(fs: TrackedFs): void {
    if (this.soon.has(fs.key) || !this.watcher) return;
    this.soon.set(
      fs.key,
      setTimeout(() => {
        this.soon.delete(fs.key);
        if (this.mounts.get(fs.key) !== fs) return; // unmounted meanwhile
        this.readCountersOf(fs);
        this.pollProbes(fs);
      }, this.settleMs + 100),
    );
  }

  private readCountersOf(fs: TrackedFs): void {
    const probe = fs.plugin.counters;
    if (!probe || !this.opts.sources.counters.enabled || !this.watcher) return;
    let rec;
    try {
      rec = readCounters(probe, fs.mount);
    } catch (e) {
      this.opts.warn(`live source: cannot read the error counters of ${fs.mount.device}: ${(e as Error).message}`);
      return;
    }
    if (!rec) return;
    this.stats.counterReads++;
    this.emit([rec]);
    let total: number | null = null;
    try {
      total = probe.total(rec);
    } catch {
      // the reconciler ignores a reading without a total, and so does the re-read rule
    }
    const before = this.lastTotal.get(fs.key);
    this.lastTotal.set(fs.key, total);
    // A counter that moved needs a second, equal reading after a quiet period before it is compared.
    if (before !== total) this.settleThenRead(fs);
  }

  private probesOf(fs: TrackedFs): FsProbe[] {
    return (this.opts.probes ?? []).filter((p) => p.fsType === fs.mount.fsType);
  }

  private pollProbes(fs: TrackedFs): void {
    if (!this.opts.sources.health.enabled || !this.watcher) return;
    for (const p of this.probesOf(fs)) {
      try {
        this.stats.probePolls++;
        this.emit(p.poll(fs.mount));
      } catch (e) {
        this.probeFailed(fs, 'poll', e);
      }
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
