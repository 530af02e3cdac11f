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
 * joins ONE produce of all changed records and ONE commit of all their partitions' offsets, and a
 * batch's handler returns only once that write and commit are done (so kafkajs never runs ahead of
 * what is stored). One round trip pair per fetch instead of per partition batch: the fold runs at
 * decode speed (bench/fleet) while the ordering guarantee is unchanged.
 */
import type { KafkaTransport, ConsumedBatch, GroupConsumer } from '../connectors/kafka/kafkajs-adapter';
import { parseHeaders } from '../connectors/kafka/headers';
import type { EventCodec } from '../core/schema/codec';
import { FsfaultError, isFsfaultError } from '../core/errors';
import { PartitionFold, type EventMeta } from './fold';
import { encodeState, stateKey, type FleetStateRecord } from './state-record';
import type { AvroValues } from './avro-values';
import type { TopicView } from './topic-view';
import { fulfilsWithin } from '../core/pipeline/retry';

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
  /** The write in flight (or the last one), and the one batches folded meanwhile wait for. */
  private writing: Promise<void> = Promise.resolve();
  private nextWrite: Promise<void> | null = null;
  /** Shared writes done (produce + commit), for the stats. */
  private flushes = 0;
  private stopping = false;

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
  ) {
    this.failed = new Promise<never>((_, reject) => (this.fail = reject));
    this.failed.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
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
    // Every batch of a fetch waits for the shared write: keep the membership alive meanwhile
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
      const h = parseHeaders(m.headers);
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
      const meta: EventMeta = { host: h.host, storeOffset: h.storeOffset, storeId: h.storeId };
      fold.apply(event, meta);
    }
    this.applied += fold.applied - before.applied;
    this.skipped += fold.skipped - before.skipped;
    const last = b.messages.at(-1);
    if (last) {
      const next = BigInt(last.offset) + 1n;
      this.pending.set(b.partition, next);
      this.lag.set(b.partition, b.highWatermark > next ? b.highWatermark - next : 0n);
    }
    // Returns once this batch's records are written and its offset committed (or throws: kafkajs
    // then fetches the batch again, and the fold skips what it already holds).
    await this.flush();
  }

  /**
   * The write that will carry everything folded so far. Batches folded while a write is in flight
   * share the next one; it starts when the previous one settles (one produce + one commit at a
   * time, in order, so a commit never overtakes the state it reflects).
   */
  private flush(): Promise<void> {
    if (this.nextWrite) return this.nextWrite;
    const w = this.writing
      .catch(() => undefined)
      .then(async () => {
        // Let the other partitions of the same fetch finish folding and join this write.
        await new Promise<void>((r) => setImmediate(r));
        this.nextWrite = null; // from here on, batches wait for the write after this one
        await this.writeAndCommit();
      });
    this.nextWrite = w;
    this.writing = w;
    return w;
  }

  private async writeAndCommit(): Promise<void> {
    // Taken and encoded synchronously: records folded after this point belong to the next write.
    const taken: [PartitionFold, FleetStateRecord[]][] = [];
    const messages = [];
    for (const fold of this.folds.values()) {
      const dirty = fold.takeDirty();
      if (dirty.length === 0) continue;
      taken.push([fold, dirty]);
      for (const r of dirty) {
        const key = stateKey(r.partition, r.host, r.health.key);
        messages.push({ partition: this.transport.partitionFor(this.opts.stateTopic, key, this.stateCount), key, value: encodeState(r), headers: {} });
      }
    }
    const offsets = new Map(this.pending);
    this.pending.clear();
    if (messages.length) {
      try {
        await this.transport.send(this.opts.stateTopic, messages, this.opts.stateCompression);
        this.stateWrites += messages.length;
      } catch (e) {
        for (const [fold, dirty] of taken) fold.markDirty(dirty); // the next write tries them again
        throw e; // every batch waiting on this write fails: kafkajs fetches them again, nothing committed
      }
    }
    if (offsets.size) {
      if (!this.consumer) throw new Error('the fleet consumer stopped before the commit'); // state written, replayed and skipped later
      await this.consumer.commit(this.opts.eventsTopic, offsets);
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
    return { partitions: this.assigned, applied: this.applied, skipped: this.skipped, undecodable: this.undecodable, stateWrites: this.stateWrites, flushes: this.flushes, lag: Number(lag), restored: this.ready };
  }

  /**
   * Prompt and bounded: batches not folded yet are left (no commit: the next owner folds them),
   * the state write + commit in flight is finished (up to `writeMs`), then the group is left (the
   * adapter bounds that too). State written but not committed is fine: its events are replayed
   * and skipped by the fold.
   */
  async stop(writeMs = 5000): Promise<void> {
    this.stopping = true;
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
