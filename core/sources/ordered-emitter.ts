/**
 * Hands the live source's records on in the order they were read, while some of them wait for
 * work off the JS thread (handle → path, probe ioctls). Each entry is a thunk run when every entry
 * before it has been handed on (so a fanotify batch is looked at only after the lookups of the
 * batches before it finished: fsfault's own lookup errors are known by then, live-handles.ts); a
 * thunk may return a promise started earlier (probes run at once and only their hand-over waits).
 *
 * Memory stays bounded: past `highWater` waiting entries `onHigh` is called (the live source
 * pauses the native reader, so the kernel's own overflow accounting records what it cannot read),
 * and `onLow` once the backlog is down to half. Every wait is bounded by the limiter's timeout, so
 * the backlog always drains.
 */
import type { RawRecord } from '../model/raw-record';

export type Entry = () => RawRecord[] | Promise<RawRecord[]>;

export interface OrderedEmitterOptions {
  sink(records: RawRecord[]): void;
  highWater: number;
  onHigh(): void;
  onLow(): void;
  /** A thunk that threw or rejected (a bug): reported, its records dropped, the rest go on. */
  onError(e: unknown): void;
}

export class OrderedEmitter {
  private readonly entries: Entry[] = [];
  private running = false;
  private high = false;
  private idle: (() => void)[] = [];

  constructor(private readonly opts: OrderedEmitterOptions) {}

  get waiting(): number {
    return this.entries.length;
  }

  push(e: Entry): void {
    this.entries.push(e);
    if (!this.high && this.entries.length > this.opts.highWater) {
      this.high = true;
      this.opts.onHigh();
    }
    if (!this.running) void this.drain();
  }

  /** Resolves once everything pushed so far has been handed on. */
  flushed(): Promise<void> {
    if (!this.running && this.entries.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.entries.length > 0) {
      const e = this.entries[0]!;
      let out: RawRecord[] = [];
      try {
        const r = e();
        out = Array.isArray(r) ? r : await r;
      } catch (err) {
        this.opts.onError(err);
      }
      this.entries.shift();
      if (out.length > 0) this.opts.sink(out);
      if (this.high && this.entries.length <= this.opts.highWater / 2) {
        this.high = false;
        this.opts.onLow();
      }
    }
    this.running = false;
    const w = this.idle;
    this.idle = [];
    for (const f of w) f();
  }
}
