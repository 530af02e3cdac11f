/**
 * Drives one connector from the store: opens it, reads after its cursor, delivers, and commits
 * only the offset the connector reports as durable. Everything runs in the background: start()
 * returns at once, so a destination that is down or slow when fsfault starts never holds up the
 * sources, the store or the other connectors (store first). The pump is the one owner of retries:
 * a failing open or delivery is retried with the connector's policy (capped backoff and jitter,
 * forever by default) and every retry is counted; a non-retriable error stops this connector only,
 * is reported (stats, /readyz, log), and never advances the cursor past undelivered events.
 */
import { FsfaultError, isRetriable } from '../errors';
import type { EventLog } from '../store/types';
import type { Connector, ConnectorContext } from './connector';
import { backoffDelay, retriesLeft, sleep, type RetryPolicy } from './retry';

export interface PumpOptions {
  batchSize: number;
  /** After a batch shorter than batchSize, wait this long so the next one is fuller. */
  lingerMs?: number;
  retry: RetryPolicy;
  /** Called once when the connector stopped with a non-retriable error. */
  onFatal?(name: string, error: Error): void;
  /** Informational messages (resume skips); default: warn. */
  info?(message: string): void;
}

/** opening: not open yet (or retrying the open); running: delivering or caught up; stopped: closed or failed. */
export type PumpState = 'opening' | 'running' | 'stopped';

export interface PumpStats {
  name: string;
  state: PumpState;
  committed: number;
  readPos: number;
  delivered: number;
  /** Every retry of an open or a delivery. */
  retries: number;
  /** Events the connector left out because the destination already had them (resume). */
  skippedAlreadyArrived: number;
  /** The last attempt failed and the next retry is pending. */
  retrying: boolean;
  lastError: string | null;
  stopped: boolean;
}

export class ConnectorPump {
  readonly stats: PumpStats;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private fatal: Error | null = null;
  private opened = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly connector: Connector,
    private readonly log: EventLog,
    private readonly ctx: Omit<ConnectorContext, 'committed' | 'log'>,
    private readonly opts: PumpOptions,
  ) {
    this.stats = {
      name: connector.name,
      state: 'opening',
      committed: 0,
      readPos: 0,
      delivered: 0,
      retries: 0,
      skippedAlreadyArrived: 0,
      retrying: false,
      lastError: null,
      stopped: false,
    };
  }

  /**
   * Start opening and pumping in the background and return at once. A fatal error (at open or
   * later) stops this connector: `error`, `stats`, onFatal and caughtUp() report it.
   */
  start(): Promise<void> {
    this.stats.committed = this.stats.readPos = this.log.cursor(this.connector.name);
    this.running = this.run().catch((e: Error) => {
      // A delivery interrupted by stop() (the connector was closed under it) is not a failure:
      // its events stay in the store after the committed cursor and go out on the next start.
      if (this.abort.signal.aborted) return;
      this.fatal = e;
      this.stats.lastError = e.message;
      this.stats.stopped = true;
      this.stats.state = 'stopped';
      this.stats.retrying = false;
      this.ctx.warn(`connector ${this.connector.name} stopped: ${e.message} (local recording goes on; its cursor stays at ${this.stats.committed})`);
      this.wakeIdle();
      this.opts.onFatal?.(this.connector.name, e);
    });
    return Promise.resolve();
  }

  private async run(): Promise<void> {
    const committed = this.log.cursor(this.connector.name);
    const skipped = (count: number, why: string) => {
      this.stats.skippedAlreadyArrived += count;
      (this.opts.info ?? this.ctx.warn)(`connector ${this.connector.name}: skipped ${count} event(s) already at the destination: ${why}`);
    };
    const resume = await this.withRetry('open', () => this.connector.open({ ...this.ctx, log: this.log, committed, skipped }));
    if (this.abort.signal.aborted) return;
    const start = Math.max(committed, typeof resume === 'number' ? resume : 0);
    const head = this.log.headOffset();
    if (start > head) {
      // The destination holds offsets this store never wrote: it was recreated or belongs to
      // another host. Publishing on would mix two histories under one offset range.
      throw new FsfaultError('CONNECTOR_FATAL', `connector ${this.connector.name} already holds events up to offset ${start}, but the store ends at ${head}: the store was recreated or belongs to another host`, {
        details: { connector: this.connector.name, destination: start, head },
      });
    }
    if (start > committed) this.log.commit(this.connector.name, start);
    this.stats.committed = start;
    this.stats.readPos = start;
    this.opened = true;
    this.stats.state = 'running';
    this.wakeIdle();
    await this.loop();
  }

  /** Resolves once the connector is open (rejects with its error if it stopped first). */
  async whenOpen(): Promise<void> {
    while (!this.opened && !this.stats.stopped) await new Promise<void>((r) => this.idleWaiters.push(r));
    if (this.fatal) throw this.fatal;
  }

  /** Opened and not stopped: what /readyz reports per connector. */
  get ready(): boolean {
    return this.stats.state === 'running' && !this.stats.retrying && this.fatal === null;
  }

  /** The registry schema id the connector frames events with, if it uses one. */
  get schemaId(): number | null {
    return this.connector.stats?.().schemaId ?? null;
  }

  /** The error that stopped this connector, if any. */
  get error(): Error | null {
    return this.fatal;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const batch = this.log.readAfter(this.stats.readPos, this.opts.batchSize);
      if (batch.length === 0) {
        const durable = await this.connector.flush({ idle: true });
        this.commit(durable, this.stats.readPos);
        this.wakeIdle();
        try {
          await this.log.waitForAppend(this.stats.readPos, signal);
        } catch (e) {
          if (signal.aborted) break; // stop() was called: not an error
          throw e;
        }
        continue;
      }
      const last = batch[batch.length - 1]!.offset;
      const durable = await this.withRetry('deliver', () => this.connector.deliver(batch));
      this.stats.readPos = last;
      this.stats.delivered += batch.length;
      this.commit(durable, last);
      if (batch.length < this.opts.batchSize && this.opts.lingerMs) await sleep(this.opts.lingerMs, signal);
    }
  }

  private commit(durable: number | void, fallback: number): void {
    const offset = typeof durable === 'number' ? durable : fallback;
    if (offset > this.stats.committed) {
      this.log.commit(this.connector.name, offset);
      this.stats.committed = offset;
    }
  }

  private async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await fn();
        if (attempt > 1) this.ctx.warn(`connector ${this.connector.name}: ${what} succeeded after ${attempt - 1} retries`);
        this.stats.retrying = false;
        return r;
      } catch (e) {
        const err = e as Error;
        // ENOTDIR, EACCES, EROFS … (core/errors.ts FATAL_ERRNOS) never pass: no retry loop.
        if (!isRetriable(e)) throw asConnectorFatal(this.connector.name, what, e);
        if (this.abort.signal.aborted) throw e;
        if (!retriesLeft(attempt - 1, this.opts.retry)) {
          throw new FsfaultError(e instanceof FsfaultError ? e.code : 'CONNECTOR_FATAL', `connector ${this.connector.name}: gave up ${what} after ${attempt - 1} retries (retry.maxRetries): ${err.message}`, { cause: e });
        }
        this.stats.retries++;
        this.stats.retrying = true;
        this.stats.lastError = `${what}: ${err.message}`;
        const delay = backoffDelay(attempt - 1, this.opts.retry);
        if (attempt === 1 || attempt % 10 === 0) this.ctx.warn(`connector ${this.connector.name}: ${what} failed (attempt ${attempt}), retry in ${delay} ms: ${err.message}`);
        await sleep(delay, this.abort.signal);
        if (this.abort.signal.aborted) throw e;
      }
    }
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /**
   * Resolves when everything up to `offset` has been handed to the connector (or it stopped). A
   * connector may still hold some of it open (a container file): stop() makes that durable.
   */
  async caughtUp(offset: number): Promise<void> {
    while (this.stats.readPos < offset && !this.stats.stopped) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
    if (this.fatal) throw this.fatal;
  }

  /**
   * Stop pumping, make what was delivered durable and close. A delivery still retrying after
   * `graceMs` (the destination is down) is interrupted by closing the connector: nothing is lost,
   * the cursor only covers what the destination confirmed.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.abort.abort();
    let closed = false;
    const grace = new AbortController(); // so a finished delivery does not leave a timer holding the process
    const settled = await Promise.race([this.running?.then(() => true) ?? true, sleep(graceMs, grace.signal).then(() => false)]);
    grace.abort();
    if (!settled) {
      this.ctx.warn(`connector ${this.connector.name}: delivery still retrying at shutdown; closing it (undelivered events stay in the store)`);
      await this.connector.close();
      closed = true;
      await this.running;
    }
    try {
      if (!closed && !this.fatal && this.opened) {
        const durable = await this.connector.flush();
        this.commit(durable, this.stats.committed);
      }
    } finally {
      if (!closed) await this.connector.close();
      this.stats.stopped = true;
      this.stats.state = 'stopped';
      this.wakeIdle();
    }
  }
}

/** A non-retriable failure as a typed error naming the connector (a bare ENOTDIR names nothing). */
function asConnectorFatal(name: string, what: string, e: unknown): unknown {
  if (e instanceof FsfaultError || !(e instanceof Error)) return e;
  return new FsfaultError('CONNECTOR_FATAL', `connector ${name}: ${what} failed: ${e.message}`, {
    cause: e,
    details: { connector: name, errno: (e as NodeJS.ErrnoException).code },
  });
}
