/**
 * A one-line progress indicator on stderr, redrawn in place at most every 100 ms, for commands that
 * may read millions of events (report, summary, export). Silent when stderr is not a terminal, so
 * scripts and logs see only the final result; cleared before anything else is written.
 */
export interface Progress {
  /** `done` of `total` units (store offsets, input files); `events` so far. */
  update(done: number, events: number, force?: boolean): void;
  /** Clear the line. */
  clear(): void;
}

export function progress(err: NodeJS.WritableStream & { isTTY?: boolean }, label: string, total: number, now: () => number = Date.now): Progress {
  const tty = Boolean(err.isTTY);
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, events, force = false) {
      if (!tty) return;
      const t = now();
      if (!force && t - lastDraw < 100) return;
      lastDraw = t;
      drawn = true;
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const w = 30;
      const fill = Math.round(frac * w);
      err.write(`\r${label} [${'#'.repeat(fill)}${' '.repeat(w - fill)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${events} events`);
    },
    clear() {
      if (tty && drawn) err.write('\r\x1b[K');
      drawn = false;
    },
  };
}
