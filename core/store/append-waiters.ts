/**
 * In-process wake-ups for readers waiting on new offsets (connector pumps). The writer and its
 * readers share one EventLog object, so a list of promises is enough; other processes poll.
 */
export class AppendWaiters {
  private waiters: { after: number; resolve(): void }[] = [];

  wait(afterOffset: number, head: number, signal?: AbortSignal): Promise<void> {
    if (head > afterOffset) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const w = {
        after: afterOffset,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  /** Wake everyone waiting for an offset below the new head (called after the commit returned). */
  notify(head: number): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => head > w.after);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => head <= w.after);
    for (const w of ready) w.resolve();
  }
}
