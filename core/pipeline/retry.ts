/**
 * Retry timing shared by the connector pump and connectors: capped exponential backoff with
 * half-jitter — attempt n (0-based) waits a random time in [d/2, d], d = min(maxMs, initialMs·2^n).
 * The jitter keeps many hosts' retries apart without ever retrying in a tight loop.
 */
export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
  /** -1: forever. */
  maxRetries: number;
}

/** A connector without its own policy: 300 ms doubling to 30 s, forever. */
export const DEFAULT_RETRY: RetryPolicy = { initialMs: 300, maxMs: 30_000, maxRetries: -1 };

export function backoffDelay(attempt: number, p: Pick<RetryPolicy, 'initialMs' | 'maxMs'>, random: () => number = Math.random): number {
  const d = Math.min(p.maxMs, p.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(d / 2 + (random() * d) / 2);
}

export function retriesLeft(attempt: number, p: Pick<RetryPolicy, 'maxRetries'>): boolean {
  return p.maxRetries < 0 || attempt < p.maxRetries;
}

/**
 * Whether `p` fulfils within `ms`: true when it does, false when the time runs out first (the
 * timer is cleared either way); a rejection of `p` within the time rejects. For bounded stops.
 */
export async function fulfilsWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sleep that an AbortSignal cuts short (a shutdown must not wait out a 30 s backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
