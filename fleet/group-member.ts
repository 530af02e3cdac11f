/**
 * One `fleet serve` instance's share of the work: a member of the consumer group over the events
 * topic. Kafka assigns it partitions; for each one it
 *   1. restores the partition's records from the fleet-state topic (read to its end after the
 *      assignment: whatever the previous owner wrote before it stopped is in there),
 *   2. folds every batch of events into them (fold.ts: applying an event twice changes nothing),
 *   3. writes the records that changed to the fleet-state topic (acks=all), and only then
 *   4. commits the consumer offsets the written records reflect.
 * A crash between 3 and 4 replays the batch onto records that already contain it: skipped by the
 * per-record store offsets. A crash before 3 loses only uncommitted work, which is replayed.
 *
 * Throughput: kafkajs hands over one batch per partition, and the partitions of a fetch are folded
 * concurrently. Steps 3 and 4 are shared: every batch folded while the previous write was in flight
 * joins ONE produce of all changed records and ONE commit of all their partitions' offsets. The
 * produce runs in a thread of its own (state-writer.ts), and the writes are pipelined: a batch's
 * handler returns once the write BEFORE the one carrying it is done, so the next fetch is decoded
 * and folded here while this one is written there. At most one fetch is folded and not yet written;
 * an offset is still committed only after the state it reflects is written, and a write taken
 * before a rejoin commits nothing (the partitions may have moved; they are restored and replayed).
 *
 * A late write of a previous owner: with pipelining, a write may still be in flight when kafkajs
 * rejoins the group (its batch handler already returned), and a slow one (producer retries, a
 * leader change) can reach the fleet-state topic after the partition's new owner restored from it
 * — even after the new owner wrote the same key. Compaction keeps the last record, so that stale
 * record would replace the owner's newer one: its events would be missing from the view, and from
 * the next restore. Every record therefore carries its writer (`H_FLEET_WRITER`: instance/epoch);
 * the owner's view reads every record anyway, and a record of an owned partition that the owner
 * did not write in its current membership is written again from the owner's fold (`checkWriter`),
 * which holds everything up to its committed offset and everything it folded since.
 */
import type { KafkaTransport, ConsumedBatch, GroupConsumer } from '../connectors/kafka/kafkajs-adapter';
import * as crypto from 'node:crypto';
import { headerText, parseOrderHeaders, type RawHeaders } from '../connectors/kafka/headers';
import type { EventCodec } from '../core/schema/codec';
import { FsfaultError, isFsfaultError } from '../core/errors';
import { PartitionFold, type EventMeta } from './fold';
import { encodeState, H_FLEET_WRITER, stateKey, stateKeyPartition, type FleetStateRecord } from './state-record';
import type { AvroValues } from './avro-values';
import type { TopicView } from './topic-view';
import type { StateSink } from './state-writer';
import { fulfilsWithin } from '../core/pipeline/retry';

/** How long after a failed state write (with nothing newer to carry it) it is tried again. */
export const WRITE_RETRY_MS = 1000;

export interface MemberOptions {
  group: string;
  eventsTopic: string;
  stateTopic: string;
  sessionTimeoutMs: number;
  /** Of the state writes (config fleet.stateCompression). */
  stateCompression: 'none' | 'gzip' | 'lz4';
}

export interface MemberStats {
  partitions: number[];
  applied: number;
  skipped: number;
  undecodable: number;
  stateWrites: number;
  /** Shared state writes + offset commits (one per fetch, not per partition batch). */
  flushes: number;
  /** Messages in owned partitions not yet folded (high watermark − next offset). */
  lag: number;
  restored: boolean;
  /** Agent records the fleet view could not decode and skipped (registry down, unknown schema). */
  agentsUndecodable?: number;
  /** Records of owned partitions written again after another writer overwrote them (checkWriter). */
  repairs?: number;
}

export class FleetMember {
  private readonly folds = new Map<number, PartitionFold>();
  private assigned: number[] = [];
  private restoring: Promise<void> = Promise.resolve();
  private joined = false;
  private restoredOnce = false;
  private consumer: GroupConsumer | null = null;
  private stateCount = 0;
  private readonly lag = new Map<number, bigint>();
  private undecodable = 0;
  private lagAt = 0;
  private stateWrites = 0;
  private applied = 0;
  private skipped = 0;
  /** Per partition: the offset after the last folded batch, not yet committed. */
  private readonly pending = new Map<number, bigint>();
  /** The write in flight (or the last one). */
  private writing: Promise<void> = Promise.resolve();
  /** The write batches folded now join (it starts when `writing` settles), and the one before it. */
  private nextWrite: { carrying: Promise<void>; before: Promise<void> } | null = null;
  /** Bumped on every (re)join: a write taken before it commits nothing (see writeAndCommit). */
  private epoch = 0;
  /** A failed write's records and offsets are written again by the next write, or after this. */
  private retryTimer: NodeJS.Timeout | null = null;
  /** Shared writes done (produce + commit), for the stats. */
  private flushes = 0;
  private stopping = false;
  /** This process, in the writer header of its state records (with the epoch). */
  private readonly instance = crypto.randomUUID().slice(0, 8);
  /** The writer header of this membership's writes: one object shared by a write's messages. */
  private writerHeaders: Record<string, string> = { [H_FLEET_WRITER]: `${this.instance}/0` };
  private repairs = 0;

  /** Rejects (FLEET_UNAVAILABLE) when the group consumer stopped for good; `fleet serve` exits on it. */
  readonly failed: Promise<never>;
  private fail!: (e: Error) => void;

  constructor(
    private readonly transport: KafkaTransport,
    private readonly opts: MemberOptions,
    private readonly values: AvroValues,
    private readonly codec: EventCodec,
    private readonly view: TopicView,
    private readonly warn: (m: string) => void,
    /** Where state writes go: `fleet serve` passes its writer thread (state-writer.ts). */
    private readonly sink: StateSink = transport,
  ) {
    this.failed = new Promise<never>((_, reject) => (this.fail = reject));
    this.failed.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    this.view.onStateRecord = (key, headers) => this.checkWriter(key, headers);
  }

  /**
   * A fleet-state record the view just read. If it belongs to a partition this member owns and has
   * restored, and this membership did not write it, the owner's fold is written again for that key
   * (header comment: a previous owner's late write). Records the fold does not have yet are left:
   * their events come after the committed offset, so this member folds and writes them itself.
   * A record of this member's previous membership counts as another writer's: written again,
   * which costs one record and is always safe (the fold is the newest state of that key here).
   */
  private checkWriter(key: string, headers: RawHeaders | undefined): void {
    if (this.stopping) return;
    const fold = this.folds.get(stateKeyPartition(key));
    if (!fold) return;
    if (headers && headerText(headers, H_FLEET_WRITER) === this.writerHeaders[H_FLEET_WRITER]) return;
    const r = fold.records.get(key);
    if (!r) return;
    fold.markDirty([r]);
    this.repairs++;
    void this.flush();
  }

  async start(): Promise<void> {
    this.stateCount = (await this.transport.partitionCount(this.opts.stateTopic)) ?? 0;
    if (this.stateCount === 0) throw new Error(`fleet-state topic '${this.opts.stateTopic}' does not exist`);
    const events = (await this.transport.partitionCount(this.opts.eventsTopic)) ?? 1;
    this.consumer = await this.transport.groupConsumer({
      groupId: this.opts.group,
      topics: [this.opts.eventsTopic],
      fromBeginning: true,
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
      // Every partition of a fetch folds at once and joins the same state write (see header).
      concurrency: events,
      onJoin: (assignment) => this.onJoin(assignment[this.opts.eventsTopic] ?? []),
      onBatch: (b, heartbeat) => this.onBatch(b, heartbeat),
      // 1 MiB per partition (12 MiB a fetch, ~40 000 events): a fetch is folded and written well
      // within the session timeout even on a loaded machine.
      maxBytesPerPartition: 1024 * 1024,
      onCrash: (e, restart) => {
        this.warn(`fleet consumer ${restart ? 'restarting' : 'stopped'} after: ${e.message}`);
        // kafkajs gave up for good: an instance that folds nothing must not look alive.
        if (!restart) this.fail(new FsfaultError('FLEET_UNAVAILABLE', `the fleet consumer stopped: ${e.message}`, { cause: e }));
      },
    });
  }

  /** Ready: joined the group and restored the state of every partition it owns. */
  get ready(): boolean {
    return this.joined && this.restoredOnce;
  }

  private onJoin(partitions: number[]): void {
    this.joined = true;
    this.epoch++;
    this.writerHeaders = { [H_FLEET_WRITER]: `${this.instance}/${this.epoch}` };
    this.assigned = [...partitions].sort((a, b) => a - b);
    this.folds.clear(); // restored afresh: another member may have folded these since we last had them
    this.pending.clear(); // kafkajs resumes every partition from its committed offset
    for (const p of [...this.lag.keys()]) if (!partitions.includes(p)) this.lag.delete(p);
    const mine = new Set(this.assigned);
    this.restoring = this.view.caughtUp().then(() => {
      const byPartition = new Map<number, FleetStateRecord[]>();
      for (const r of this.view.states.ofPartitions(mine)) {
        const l = byPartition.get(r.partition);
        if (l) l.push(structuredClone(r));
        else byPartition.set(r.partition, [structuredClone(r)]);
      }
      for (const p of this.assigned) this.folds.set(p, new PartitionFold(p, byPartition.get(p) ?? []));
      this.restoredOnce = true;
    });
    this.restoring.catch((e: Error) => this.warn(`restoring partitions ${this.assigned.join(',')} failed: ${e.message}`));
  }

  private async onBatch(b: ConsumedBatch, heartbeat: () => Promise<void> = async () => undefined): Promise<void> {
    // Stopping: fold nothing more (nothing of it would be committed); kafkajs is being stopped.
    if (this.stopping) return;
    // A batch may wait for the previous write: keep the membership alive meanwhile
    // (kafkajs heartbeats only between batches; it throttles these calls to its interval).
    const beat = () => void heartbeat().catch(() => undefined);
    const timer = setInterval(beat, 1000);
    try {
      await this.foldBatch(b, beat);
    } finally {
      clearInterval(timer);
    }
  }

  private async foldBatch(b: ConsumedBatch, beat: () => void): Promise<void> {
    await this.restoring;
    let fold = this.folds.get(b.partition);
    if (!fold) {
      // A batch of a partition the last join did not list (a join raced the fetch): restore it alone.
      await this.view.caughtUp();
      fold = new PartitionFold(b.partition, [...this.view.states.ofPartitions(new Set([b.partition]))].map((r) => structuredClone(r)));
      this.folds.set(b.partition, fold);
    }
    const before = { applied: fold.applied, skipped: fold.skipped };
    for (let i = 0; i < b.messages.length; i++) {
      const m = b.messages[i]!;
      if (i % 2000 === 1999) beat();
      const h = parseOrderHeaders(m.headers);
      if (!h || !m.value) {
        this.undecodable++;
        continue;
      }
      let event;
      try {
        // Synchronous for a schema already known; the registry is asked once per new schema id.
        const w = this.values.cachedWriter(m.value) ?? (await this.values.writer(m.value));
        event = this.codec.fromRecord(w.type.fromBuffer(w.body) as Record<string, unknown>);
      } catch (e) {
        // The registry not answering is not the message's fault: fail the batch, nothing is
        // committed, kafkajs fetches it again.
        if (isFsfaultError(e) && (e.retriable || e.code === 'REGISTRY_UNREACHABLE')) throw e;
        // A poison message must not stop the fleet: counted, warned, skipped.
        this.undecodable++;
        this.warn(`events partition ${b.partition} offset ${m.offset}: cannot decode: ${(e as Error).message}`);
        continue;
      }
      // Store id + offset (headers the events connector writes) order a host's events.
      fold.apply(event, h satisfies EventMeta);
    }
    this.applied += fold.applied - before.applied;
    this.skipped += fold.skipped - before.skipped;
    const last = b.messages.at(-1);
    if (last) {
      const next = BigInt(last.offset) + 1n;
      this.pending.set(b.partition, next);
      this.lag.set(b.partition, b.highWatermark > next ? b.highWatermark - next : 0n);
    }
    // Pipelined: returns once the write BEFORE the one carrying this batch is done, so that
    // kafkajs fetches, and this thread folds, the next fetch while this one is written (the write
    // itself runs in the state-writer thread). At most one fetch is folded and not yet written;
    // offsets are still committed only after the state they reflect (writeAndCommit). A failed
    // write or commit is not this batch's failure and is not thrown to kafkajs (which would stop
    // the consumer on a commit refused during a rebalance): its records and offsets go with the
    // next write; a write that can never succeed fails the member (writeAndCommit).
    await this.flush().before.catch(() => undefined);
  }

  /**
   * The write that will carry everything folded so far, and the write before it. Batches folded
   * while a write is in flight share the next one; it starts when the previous one settles (one
   * produce + one commit at a time, in order, so a commit never overtakes the state it reflects).
   */
  private flush(): { carrying: Promise<void>; before: Promise<void> } {
    if (this.nextWrite) return this.nextWrite;
    const before = this.writing;
    const carrying = before
      .catch(() => undefined)
      .then(async () => {
        // Let the other partitions of the same fetch finish folding and join this write.
        await new Promise<void>((r) => setImmediate(r));
        this.nextWrite = null; // from here on, batches join the write after this one
        await this.writeAndCommit();
      });
    carrying.catch(() => undefined); // a failure is warned and retried by writeAndCommit; the next batches see it
    this.nextWrite = { carrying, before };
    this.writing = carrying;
    return this.nextWrite;
  }

  /** Resolves once no state write is in flight or due (tests; stop() waits the same way, bounded). */
  async written(): Promise<void> {
    for (let w = this.writing; ; w = this.writing) {
      await w.catch(() => undefined);
      if (w === this.writing && !this.retryTimer) return;
      if (w === this.writing) await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** After a failed write: its offsets are committed by the next one (a newer offset supersedes). */
  private giveBack(offsets: ReadonlyMap<number, bigint>): void {
    for (const [p, off] of offsets) {
      const now = this.pending.get(p);
      if (now === undefined || now < off) this.pending.set(p, off);
    }
    // The last fetch of a quiet topic has no next batch to start a write: retry on a timer.
    if (this.retryTimer || this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopping) void this.flush();
    }, WRITE_RETRY_MS);
  }

  private async writeAndCommit(): Promise<void> {
    const epoch = this.epoch;
    const headers = this.writerHeaders;
    // Taken and encoded synchronously: records folded after this point belong to the next write.
    const taken: [PartitionFold, FleetStateRecord[]][] = [];
    const messages = [];
    for (const fold of this.folds.values()) {
      const dirty = fold.takeDirty();
      if (dirty.length === 0) continue;
      taken.push([fold, dirty]);
      for (const r of dirty) {
        const key = stateKey(r.partition, r.host, r.health.key);
        messages.push({ partition: this.transport.partitionFor(this.opts.stateTopic, key, this.stateCount), key, value: encodeState(r), headers });
      }
    }
    const offsets = new Map(this.pending);
    this.pending.clear();
    if (messages.length) {
      try {
        await this.sink.send(this.opts.stateTopic, messages, this.opts.stateCompression);
        this.stateWrites += messages.length;
      } catch (e) {
        // Nothing committed. The next write (or the retry) writes these records and commits these
        // offsets; the batches waiting on this write fail (kafkajs fetches them again, skipped).
        if ((e as { retriable?: boolean }).retriable === false) {
          this.fail(new FsfaultError('FLEET_UNAVAILABLE', `writing the fleet state failed for good: ${(e as Error).message}`, { cause: e }));
          throw e;
        }
        if (epoch === this.epoch) {
          for (const [fold, dirty] of taken) fold.markDirty(dirty);
          this.giveBack(offsets);
        }
        this.warn(`fleet-state write failed, written again with the next write: ${(e as Error).message}`);
        throw e;
      }
    }
    // Rejoined since these were taken: the folds were rebuilt from the fleet-state topic and
    // kafkajs resumes from the committed offsets; these may be another member's partitions now.
    if (offsets.size && epoch === this.epoch) {
      if (!this.consumer) throw new Error('the fleet consumer stopped before the commit'); // state written, replayed and skipped later
      try {
        await this.consumer.commit(this.opts.eventsTopic, offsets);
      } catch (e) {
        // Typically refused during a rebalance (stale generation): the rejoin that follows restores
        // the partitions and kafkajs resumes from the committed offsets; until then, retried.
        if (epoch === this.epoch) this.giveBack(offsets);
        this.warn(`committing fleet offsets failed, committed with the next write: ${(e as Error).message}`);
        throw e;
      }
    }
    this.flushes++;
  }

  /** Lag of the owned partitions from the broker's watermarks and the group's committed offsets. */
  async refreshLag(): Promise<void> {
    // At most every 2 s: each refresh costs two admin round trips, and /metrics may be scraped often.
    if (!this.consumer || this.assigned.length === 0 || Date.now() - this.lagAt < 2000) return;
    this.lagAt = Date.now();
    const [marks, committed] = await Promise.all([this.transport.watermarks(this.opts.eventsTopic), this.consumer.committed(this.opts.eventsTopic)]);
    for (const p of this.assigned) {
      const m = marks.find((x) => x.partition === p);
      if (!m) continue;
      const c = committed.get(p) ?? -1n;
      const from = c < 0n ? m.low : c;
      this.lag.set(p, m.high > from ? m.high - from : 0n);
    }
  }

  stats(): MemberStats {
    let lag = 0n;
    for (const l of this.lag.values()) lag += l;
    return { partitions: this.assigned, applied: this.applied, skipped: this.skipped, undecodable: this.undecodable, stateWrites: this.stateWrites, flushes: this.flushes, lag: Number(lag), restored: this.ready, repairs: this.repairs };
  }

  /**
   * Prompt and bounded: batches not folded yet are left (no commit: the next owner folds them),
   * the state write + commit in flight is finished (up to `writeMs`), then the group is left (the
   * adapter bounds that too). State written but not committed is fine: its events are replayed
   * and skipped by the fold.
   */
  async stop(writeMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const deadline = Date.now() + writeMs;
    let gaveUp = false;
    // A batch folding when the stop came may still start one more write: wait until none is new.
    for (let w = this.writing; ; w = this.writing) {
      gaveUp = !(await fulfilsWithin(w.catch(() => undefined), deadline - Date.now()));
      if (gaveUp || w === this.writing) break;
    }
    if (gaveUp) this.warn(`stopping: the fleet-state write in flight did not finish within ${writeMs} ms; its offsets stay uncommitted (the events are folded again by the next owner)`);
    await this.consumer?.stop();
    this.consumer = null;
  }
}
