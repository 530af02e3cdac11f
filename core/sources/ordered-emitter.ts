/**
 * Hands the live source's records on in the order they were read, while some of them wait for
 * work off the JS thread (handle → path, probe ioctls). Each entry is a thunk run when every entry
 * before it has been handed on (so a fanotify batch is looked at only after the lookups of the
 * batches before it finished: fsfault's own lookup errors are known by then, live-handles.ts); a
 * thunk may return a promise started earlier (probes run at once and only their hand-over waits).
 *
 * Memory stays bounded: past `highWater` waiting records (each entry is pushed with its record
 * count) `onHigh` is called (the live source pauses the native reader, so the kernel's own
 * overflow accounting records what it cannot read), and `onLow` once the backlog is down to half.
 * Records, not entries: a reader that keeps up hands over many tiny batches, and a bound counted in
 * batches paused it — and let the kernel log overrun — within a fraction of a lookup timeout under
 * a flood (test/kernel/slow-disk.test.ts). Every wait is bounded by the limiter's timeout, so the
 * backlog always drains.
 */
import type { RawRecord } from '../model/raw-record';

export type Entry = () => RawRecord[] | Promise<RawRecord[]>;

export interface OrderedEmitterOptions {
  sink(records: RawRecord[]): void;
  /** Records (summed entry weights) held before onHigh. */
  highWater: number;
  onHigh(): void;
  onLow(): void;
  /** A thunk that threw or rejected (a bug): reported, its records dropped, the rest go on. */
  onError(e: unknown): void;
}

export class OrderedEmitter {
  private readonly entries: { run: Entry; weight: number }[] = [];
  /** Sum of the weights of the entries not handed on yet. */
  private held = 0;
  private running = false;
  private high = false;
  private idle: (() => void)[] = [];

  constructor(private readonly opts: OrderedEmitterOptions) {}

  get waiting(): number {
    return this.entries.length;
  }

  /** Records held (weights of the entries waiting). */
  get heldRecords(): number {
    return this.held;
  }

  /** `weight`: how many records the entry holds (a batch's length; 1 for a single record). */
  push(e: Entry, weight = 1): void {
    this.entries.push({ run: e, weight });
    this.held += weight;
    if (!this.high && this.held > this.opts.highWater) {
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
        const r = e.run();
        out = Array.isArray(r) ? r : await r;
      } catch (err) {
        this.opts.onError(err);
      }
      this.entries.shift();
      this.held -= e.weight;
      if (out.length > 0) this.opts.sink(out);
      if (this.high && this.held <= this.opts.highWater / 2) {
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
