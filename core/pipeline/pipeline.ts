/**
 * The pipeline: sources → classifier (plugins) → core queue → store → connector pumps.
 * Wiring only: it routes what the classifier returns and owns the few policies between the parts:
 * mount-table updates (revive a dead filesystem on remount), the consumer's linger (so records of
 * one moment merge), source cursors written atomically with the events they produced, and
 * draining for `--once`. Plugin calls are the classifier's; events in the queue are the queue's.
 */
import { FsfaultError, isFsfaultError } from '../errors';
import type { FsEvent, SourceName } from '../model/event';
import { fsKey } from '../model/fs-key';
import type { MountInfo, RawRecord } from '../model/raw-record';
import { HealthDiff } from './health-diff';
import type { MetricsSnapshot } from '../metrics/exposition';
import { KMSG_REJECTED_CURSOR, type LiveSourceCounters, type PipelineStats } from './pipeline-stats';
import type { EventQueue } from '../queue/event-queue';
import type { EventLog } from '../store/types';
import type { LocalStore } from '../store/local-store';
import type { Source } from './source';
import type { Classification, Classifier } from './classifier';
import type { ConnectorPump } from './connector-pump';
import type { CounterReconciler } from './counter-reconciler';
import type { MountTable } from './mount-table';
import { sleep } from './retry';

export interface PipelineOptions {
  /** Upper bound of the consumer's wait after the queue became readable (the merge budget under load). */
  lingerMs: number;
  /**
   * Quiet period: the consumer takes as soon as no record arrived for this long (so a report's
   * lines and its fanotify event still meet in the queue), or when lingerMs ran out. Default 0 =
   * always wait the full lingerMs.
   */
  settleMs?: number;
  /** Extra source name stamped on every event (e.g. 'replay'). */
  stampSource?: SourceName;
  warn(message: string): void;
  /** Called for each mount change, after the table is updated (the live source re-marks fanotify). */
  onMount?(action: 'mounted' | 'unmounted' | 'remounted', device: string): void;
}

/** State of the live kernel source that the pipeline keeps in step with the store (see useLiveState). */
export interface LiveState {
  /** Compares filesystem error counters with the errors pushed; its baselines are source cursors. */
  counters?: CounterReconciler;
  /** Boot the kernel-log sequence numbers belong to; stored as `kmsg.boot` next to `kmsg.seq`. */
  kmsgBootId?: string;
  /** The live source's own counters (kernel-log records rejected, handle lookups timed out ...). */
  sourceCounters?: () => LiveSourceCounters;
}

/** Source cursor holding the last filesystem seen on each device (MountTable.knownJson). */
export const KNOWN_FILESYSTEMS_CURSOR = 'mounts.known';

export class Pipeline {
  readonly stats: PipelineStats = { records: 0, kmsgSeq: null, appended: 0, storeRetries: 0, continued: 0 };
  private consumer: Promise<void> | null = null;
  private stopping = false;
  private pending: FsEvent[] = [];
  /** The queue's Avro bodies of `pending` (null where an event changed after it was encoded). */
  private pendingBodies: (Buffer | null)[] = [];
  private readonly health = new HealthDiff();
  private idle: (() => void)[] = [];
  private live: LiveState = {};
  /** Set by useLiveState: only then are kernel cursors (kmsg seq/boot, counter baselines) stored. */
  private liveAttached = false;
  /** Source cursors as they were when `pending` was taken: they describe exactly that batch. */
  private pendingCursors: Record<string, string> = {};
  private rejectedBase = 0;
  /** MountTable.knownVersion last put in the source cursors. */
  private knownWritten = -1;

  constructor(
    private readonly sources: readonly Source[],
    private readonly classifier: Classifier,
    private readonly mounts: MountTable,
    private readonly queue: EventQueue,
    private readonly log: EventLog,
    private readonly pumps: readonly ConnectorPump[],
    private readonly opts: PipelineOptions,
  ) {}

  /** Attach the live source's counters and kernel-log boot id (before start). */
  useLiveState(state: LiveState): void {
    this.live = state;
    // The rejected-record tally is kept over the store's life: this run adds to what is stored.
    const stored = Number(this.log.sourceCursor(KMSG_REJECTED_CURSOR) ?? 0);
    this.rejectedBase = Number.isSafeInteger(stored) && stored >= 0 ? stored : 0;
    this.liveAttached = true;
  }

  /**
   * Store first: connectors open in the background (ConnectorPump.start returns at once), so a
   * broker or registry that is down or hanging never delays recording and printing.
   */
  async start(): Promise<void> {
    // The filesystems the last live run knew, so a kernel-log line about one no longer mounted keeps
    // its identity. Like the kernel cursors, this describes the live machine: replays neither read
    // nor write it.
    if (this.liveAttached) this.mounts.restoreKnown(this.log.sourceCursor(KNOWN_FILESYSTEMS_CURSOR));
    this.knownWritten = this.mounts.knownVersion;
    for (const p of this.pumps) await p.start();
    this.consumer = this.consume();
    for (const s of this.sources) await s.start((records) => this.ingest(records));
  }

  /** Feed raw records (sources call this; tests may too). */
  ingest(records: readonly RawRecord[]): void {
    for (const r of records) {
      this.stats.records++;
      switch (r.source) {
        case 'mount':
          this.applyMount(r.action, r.mount, r.fanotify === true);
          continue;
        case 'loss':
          this.queue.reportLoss({
            reason: r.reason,
            count: r.count,
            device: r.device,
            timeUs: r.readAtUs,
            fs: r.device ? this.mounts.identity('*', r.device) : null,
          });
          continue;
        case 'kmsg': {
          this.stats.kmsgSeq = r.seq;
          const c = this.classifier.continuation(r);
          if (c !== null) {
            // Only the queue changes an event it holds; one already taken keeps what it had.
            this.queue.amend(c.event, c.blob);
            this.stats.continued++;
            continue;
          }
          break;
        }
        case 'sysfs':
          this.live.counters?.observe(r);
          break;
        case 'ioctl': {
          const fresh = this.health.newlySick(r);
          if (fresh !== null) this.route(fresh, this.classifier.classify(fresh));
          continue;
        }
        default:
          break;
      }
      this.route(r, this.classifier.classify(r));
    }
  }

  /**
   * An event goes to the queue. A record a plugin failed on (and no other plugin claimed) may have
   * been an error nobody can describe now: it is counted in the rescue event (reason
   * `plugin-failed`), never dropped.
   */
  private route(r: RawRecord, c: Classification): void {
    if (c === 'unclaimed') return;
    if (c === 'failed') {
      const device = 'device' in r && typeof r.device === 'string' ? r.device : null;
      this.queue.reportLoss({ reason: 'plugin-failed', count: 1, device, timeUs: r.readAtUs, fs: device ? this.mounts.identity('*', device) : null });
      return;
    }
    if (this.opts.stampSource && !c.sources.includes(this.opts.stampSource)) c.sources.push(this.opts.stampSource);
    const outcome = this.queue.push(c);
    this.live.counters?.seen(c, outcome);
  }

  private applyMount(action: 'mounted' | 'unmounted' | 'remounted', m: MountInfo, fanotify: boolean): void {
    if (action === 'unmounted') {
      this.mounts.remove(m.mountPoint);
    } else {
      this.mounts.add(m);
      this.mounts.setFanotifyWatched(m.device, fanotify);
      this.health.forget(m.device);
      // A filesystem mounted again is alive again: its errors are reported normally.
      this.queue.revive(fsKey(this.mounts.identity(m.fsType, m.device, m.fsid)));
    }
    this.opts.onMount?.(action, m.device);
  }

  /** The queue's consumer: linger, take everything, append to the store with the source cursors. */
  private async consume(): Promise<void> {
    while (!this.stopping || this.queue.length > 0 || this.pending.length > 0) {
      if (this.pending.length === 0) {
        if (this.queue.length === 0) {
          this.wakeIdle();
          await this.queue.waitReadable();
          if (this.queue.length === 0) continue;
        }
        if (this.opts.lingerMs > 0 && !this.stopping) await this.linger();
        // Take everything: afterwards every record ingested so far is stored, merged, rescued or
        // suppressed, so the kernel-log cursor can move to the last record seen.
        this.pendingBodies = [];
        this.pending = this.queue.take(Infinity, this.pendingBodies);
        this.pendingCursors = this.sourceCursors();
      }
      try {
        this.log.append(this.pending, this.pendingCursors, this.pendingBodies);
        this.stats.appended += this.pending.length;
        this.pending = [];
      } catch (e) {
        // The store refused (disk full with the block policy, I/O error): keep this batch and stop
        // taking, so new events pile up in the bounded queue and then in its rescue slot.
        this.stats.storeRetries++;
        if (this.stats.storeRetries === 1 || this.stats.storeRetries % 20 === 0) {
          this.opts.warn(`store append failed (${isFsfaultError(e) ? e.code : 'error'}), will retry: ${(e as Error).message}`);
        }
        await sleep(Math.min(5000, 100 * this.stats.storeRetries));
      }
    }
    this.wakeIdle();
  }

  /**
   * Adaptive linger: the budget starts when traffic arrives. An isolated error is taken once its
   * records stopped coming for settleMs (a few ms: low latency when idle); a burst keeps the
   * consumer waiting, up to lingerMs, so its records merge as before (the flood behaviour).
   */
  private async linger(): Promise<void> {
    const settle = this.opts.settleMs ?? 0;
    const deadline = Date.now() + this.opts.lingerMs;
    if (settle <= 0 || settle >= this.opts.lingerMs) return sleep(this.opts.lingerMs);
    for (;;) {
      const seen = this.stats.records;
      const left = deadline - Date.now();
      if (left <= 0 || this.stopping) return;
      await sleep(Math.min(settle, left));
      if (this.stats.records === seen) return;
    }
  }

  /** Cursors of everything ingested so far (right after a take, all of it is in the batch). */
  private sourceCursors(): Record<string, string> {
    // Kernel cursors describe this machine's kernel: only the live source may move them. A replayed
    // recording's sequence numbers stored here would make a later live watch skip or repeat records.
    if (!this.liveAttached) return {};
    const cursors: Record<string, string> = this.live.counters?.cursors() ?? {};
    if (this.stats.kmsgSeq !== null) {
      cursors['kmsg.seq'] = String(this.stats.kmsgSeq);
      if (this.live.kmsgBootId) cursors['kmsg.boot'] = this.live.kmsgBootId;
    }
    const rejected = this.live.sourceCounters?.().kmsgRejected ?? 0;
    if (rejected > 0) cursors[KMSG_REJECTED_CURSOR] = String(this.rejectedBase + rejected);
    if (this.mounts.knownVersion !== this.knownWritten) {
      cursors[KNOWN_FILESYSTEMS_CURSOR] = this.mounts.knownJson();
      this.knownWritten = this.mounts.knownVersion;
    }
    return cursors;
  }

  private wakeIdle(): void {
    const w = this.idle;
    this.idle = [];
    for (const f of w) f();
  }

  /** Wait until finite sources are done, the queue is empty, and every connector has caught up. */
  async drain(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.finished()));
    while (this.queue.length > 0 || this.pending.length > 0) {
      await new Promise<void>((r) => {
        this.idle.push(r);
        setTimeout(r, 50);
      });
    }
    const head = this.log.headOffset();
    // A connector that stopped with an error does not stop the others from catching up; the
    // caller reports its error afterwards (assertNoConnectorError).
    for (const p of this.pumps) await p.caughtUp(head).catch(() => undefined);
  }

  /** Stop sources, flush the queue into the store, flush and close connectors. */
  async stop(): Promise<void> {
    for (const s of this.sources) await s.stop();
    this.stopping = true;
    this.queue.close();
    await this.consumer;
    // Records that made no event (other kernel lines, quiet counter readings) still moved the
    // cursors: store them so a restart resumes exactly here.
    try {
      this.log.append([], this.sourceCursors());
    } catch (e) {
      this.opts.warn(`could not store the final source cursors (${isFsfaultError(e) ? e.code : 'error'}): ${(e as Error).message}`);
    }
    const head = this.log.headOffset();
    for (const p of this.pumps) {
      // The grace timer is cancelled once the connector caught up: a pending timer would keep
      // the process alive for the full 5 s after SIGINT.
      const grace = new AbortController();
      try {
        await Promise.race([p.caughtUp(head), sleep(5000, grace.signal)]);
      } catch {
        // a stopped connector already reported its error
      } finally {
        grace.abort();
      }
      await p.stop();
    }
  }

  /** Every counter in one snapshot, for the metrics endpoint. */
  metrics(): MetricsSnapshot {
    return {
      queue: this.queue.counters(),
      pipeline: { ...this.stats },
      classifier: { ...this.classifier.counters },
      pumps: this.pumps.map((p) => ({ ...p.stats, lagSeconds: this.lagSeconds(p.stats.committed), schemaId: p.schemaId })),
      storeHeadOffset: this.log.headOffset(),
      source: this.live.sourceCounters?.() ?? null,
      health: 'health' in this.log ? (this.log as LocalStore).health() : null,
      ready: this.ready(),
    };
  }

  /** Age of the oldest stored event after `committed` (0 when there is none). */
  private lagSeconds(committed: number): number {
    const next = this.log.readAfter(committed, 1)[0];
    return next ? Math.max(0, (Date.now() * 1000 - next.storedAt) / 1e6) : 0;
  }

  /** Running, not stopping, and every connector open and delivering (not retrying, not stopped). */
  ready(): boolean {
    return this.readiness().ready;
  }

  /** ready() with the reasons when not: what /readyz prints. */
  readiness(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.consumer === null) reasons.push('pipeline not started');
    if (this.stopping) reasons.push('stopping');
    for (const p of this.pumps) {
      if (p.ready) continue;
      const s = p.stats;
      if (p.error) reasons.push(`connector ${s.name}: stopped: ${p.error.message}`);
      else if (s.state === 'opening') reasons.push(`connector ${s.name}: opening${s.lastError ? ` (retrying: ${s.lastError})` : ''}`);
      else if (s.retrying) reasons.push(`connector ${s.name}: retrying: ${s.lastError ?? ''}`);
      else reasons.push(`connector ${s.name}: ${s.state}`);
    }
    return { ready: reasons.length === 0, reasons };
  }

  /** First connector error, if a connector stopped for good. */
  connectorError(): Error | null {
    for (const p of this.pumps) if (p.error) return p.error;
    return null;
  }
}

export function assertNoConnectorError(p: Pipeline): void {
  const e = p.connectorError();
  if (e) throw isFsfaultError(e) ? e : new FsfaultError('CONNECTOR_FATAL', e.message, { cause: e });
}
