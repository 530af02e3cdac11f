/**
 * Collects what a native watcher delivers and lets a kernel test wait for a record with a
 * deadline; a timeout fails with what did arrive, so a missing kernel event is easy to diagnose.
 */
import type { FanotifyRecord, KmsgRecord, LossRecord, RawRecord } from '../../core/model/raw-record';

export class Collector {
  readonly records: RawRecord[] = [];
  batches = 0;
  mountSignals = 0;
  readonly errors: Error[] = [];

  readonly onBatch = (batch: RawRecord[]): void => {
    this.batches++;
    this.records.push(...batch);
  };
  readonly onMountsChanged = (): void => {
    this.mountSignals++;
  };
  readonly onError = (e: Error): void => {
    this.errors.push(e);
  };

  kmsg(): KmsgRecord[] {
    return this.records.filter((r): r is KmsgRecord => r.source === 'kmsg');
  }
  fanotify(): FanotifyRecord[] {
    return this.records.filter((r): r is FanotifyRecord => r.source === 'fanotify');
  }
  losses(): LossRecord[] {
    return this.records.filter((r): r is LossRecord => r.source === 'loss');
  }

  async waitFor<T extends RawRecord>(what: string, pred: (r: RawRecord) => r is T, timeoutMs = 5000): Promise<T> {
    const found = await until(() => this.records.find(pred), timeoutMs);
    if (found === undefined) {
      const tail = this.records.slice(-5).map((r) => JSON.stringify(r)).join('\n  ');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.records.length} records arrived, last ones:\n  ${tail}`);
    }
    return found;
  }
}

/** Polls cond every 10 ms until it returns something other than undefined/false, or the deadline. */
export async function until<T>(cond: () => T | undefined | false, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
