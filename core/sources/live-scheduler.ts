/**
 * When the live source reads a filesystem's error counters and runs its probes: when it is
 * mounted (marked), every interval, and `settleMs` after records that name it. A counter that moved
 * is read again after `settleMs`, so the reconciler gets the quiet pair of readings it needs
 * (core/pipeline/counter-reconciler.ts). At most one delayed read is pending per filesystem.
 */
import type { TrackedFs } from './live-mounts';

export interface ScheduledWork {
  watched(): readonly TrackedFs[];
  /** Still the filesystem that is mounted under its key (not unmounted or mounted anew). */
  current(fs: TrackedFs): boolean;
  /** Reads the counters and hands the reading on; the reading's total, undefined when there was none. */
  readCounters(fs: TrackedFs): { total: number | null } | undefined;
  pollProbes(fs: TrackedFs): void;
}

export interface LiveScheduleOptions {
  settleMs: number;
  /** 0: no periodic reading. */
  countersEveryMs: number;
  probesEveryMs: number;
}

export class LiveScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly soon = new Map<string, NodeJS.Timeout>();
  private readonly lastTotal = new Map<string, number | null>();
  private running = false;

  constructor(
    private readonly work: ScheduledWork,
    private readonly opts: LiveScheduleOptions,
  ) {}

  start(): void {
    this.running = true;
    if (this.opts.countersEveryMs > 0) this.timers.push(setInterval(() => this.each((fs) => this.readCounters(fs)), this.opts.countersEveryMs));
    if (this.opts.probesEveryMs > 0) this.timers.push(setInterval(() => this.each((fs) => this.work.pollProbes(fs)), this.opts.probesEveryMs));
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    for (const t of this.soon.values()) clearTimeout(t);
    this.soon.clear();
  }

  /** A filesystem was (re)marked: read it now. */
  mounted(fs: TrackedFs): void {
    if (!this.running) return;
    this.readCounters(fs);
    this.work.pollProbes(fs);
  }

  /** Records named this filesystem: read it once they have settled. */
  active(fs: TrackedFs): void {
    if (this.soon.has(fs.key) || !this.running) return;
    this.soon.set(
      fs.key,
      setTimeout(() => {
        this.soon.delete(fs.key);
        if (!this.work.current(fs)) return; // unmounted meanwhile
        this.readCounters(fs);
        this.work.pollProbes(fs);
      }, this.opts.settleMs + 100),
    );
  }

  forget(fs: TrackedFs): void {
    const t = this.soon.get(fs.key);
    if (t) clearTimeout(t);
    this.soon.delete(fs.key);
    this.lastTotal.delete(fs.key);
  }

  private each(f: (fs: TrackedFs) => void): void {
    for (const fs of this.work.watched()) f(fs);
  }

  private readCounters(fs: TrackedFs): void {
    const r = this.work.readCounters(fs);
    if (!r) return;
    const before = this.lastTotal.get(fs.key);
    this.lastTotal.set(fs.key, r.total);
    // A counter that moved needs a second, equal reading after a quiet period before it is compared.
    if (before !== r.total) this.active(fs);
  }
}
