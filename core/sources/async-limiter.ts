/**
 * Bounds the blocking kernel calls the live source runs off the JS thread (handle → path, XFS
 * health ioctls): at most `maxInFlight` run at once, at most `maxWaiting` wait for a slot, and the
 * caller stops waiting `timeoutMs` after it asked, whatever the call is doing.
 *
 * A call that timed out keeps its slot until the kernel really returns: its pool thread is still
 * blocked (a read of a dying disk is not interruptible), so counting it free would let stuck calls
 * take every libuv pool thread. Keep maxInFlight below UV_THREADPOOL_SIZE (4 by default).
 *
 * Why our own: p-limit and friends bound concurrency but neither time out a waiter while keeping
 * the slot of a stuck call, which is the point here; it is 80 lines.
 */
export type LimitedOutcome<T> = { ok: true; value: T } | { ok: false; reason: 'TIMEOUT' | 'BUSY' } | { ok: false; reason: 'ERROR'; error: unknown };

export interface AsyncLimiterOptions {
  maxInFlight: number;
  maxWaiting: number;
  timeoutMs: number;
}

export interface AsyncLimiterStats {
  started: number;
  /** Callers that stopped waiting (the call was still waiting for a slot or still running). */
  timedOut: number;
  /** Calls refused at once because maxWaiting were already waiting. */
  refused: number;
  /** Calls running now, including timed-out ones the kernel has not returned from. */
  inFlight: number;
  waiting: number;
}

interface Waiter {
  start(): void;
  abandoned: boolean;
}

export class AsyncLimiter {
  readonly stats: AsyncLimiterStats = { started: 0, timedOut: 0, refused: 0, inFlight: 0, waiting: 0 };
  private readonly queue: Waiter[] = [];

  constructor(private readonly opts: AsyncLimiterOptions) {
    for (const k of ['maxInFlight', 'maxWaiting', 'timeoutMs'] as const) {
      const v = opts[k];
      if (!Number.isInteger(v) || v < (k === 'maxInFlight' ? 1 : 0)) throw new RangeError(`AsyncLimiter: ${k} must be a whole number${k === 'maxInFlight' ? ' >= 1' : ''} (got ${v})`);
    }
  }

  run<T>(fn: () => Promise<T>): Promise<LimitedOutcome<T>> {
    if (this.stats.inFlight >= this.opts.maxInFlight && this.queue.length >= this.opts.maxWaiting) {
      this.stats.refused++;
      return Promise.resolve({ ok: false, reason: 'BUSY' });
    }
    return new Promise((resolve) => {
      let settled = false;
      const settle = (o: LimitedOutcome<T>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const waiter: Waiter = {
        abandoned: false,
        start: () => {
          this.stats.inFlight++;
          this.stats.started++;
          let p: Promise<T>;
          try {
            p = fn();
          } catch (error) {
            p = Promise.reject(error);
          }
          p.then(
            (value) => settle({ ok: true, value }),
            (error: unknown) => settle({ ok: false, reason: 'ERROR', error }),
          ).finally(() => {
            this.stats.inFlight--;
            this.next();
          });
        },
      };
      const timer = setTimeout(() => {
        if (settled) return;
        this.stats.timedOut++;
        waiter.abandoned = true; // if still queued it is skipped; if running it keeps its slot
        settle({ ok: false, reason: 'TIMEOUT' });
      }, this.opts.timeoutMs);
      timer.unref?.();
      if (this.stats.inFlight < this.opts.maxInFlight) waiter.start();
      else {
        this.queue.push(waiter);
        this.stats.waiting = this.queue.length;
      }
    });
  }

  private next(): void {
    while (this.stats.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const w = this.queue.shift()!;
      if (!w.abandoned) w.start();
    }
    this.stats.waiting = this.queue.length;
  }
}
