/**
 * The kafkajs edge: the only file that imports kafkajs (2.2.4, unmaintained since 2023, so it
 * stays swappable). It offers what the connector needs and nothing more:
 *   - an idempotent producer (acks=all, one request in flight) with explicit partitions;
 *   - topic metadata (partition count, low/high watermarks);
 *   - reading a range of a topic's partitions (to find what already arrived, and for tests);
 *   - classification of kafkajs errors into retriable vs fatal.
 * Message values are opaque bytes here; framing and headers are decided by the connector.
 */
import * as fs from 'node:fs';
import * as crypto from 'node:crypto';
import {
  Kafka,
  CompressionTypes,
  CompressionCodecs,
  Partitioners,
  logLevel,
  type Producer,
  type Consumer,
  type SASLOptions,
  type Message,
  type KafkaConfig as KafkajsConfig,
  type PartitionMetadata,
} from 'kafkajs';
import { FsfaultError } from '../../core/errors';
import type { OutMessage, PartitionOffsets, ReadMessage, Transport, TransportOptions } from './transport';
import { keyPartition } from './murmur2';
import { fulfilsWithin } from '../../core/pipeline/retry';

export type { OutMessage, ReadMessage, PartitionOffsets, TransportOptions } from './transport';

/** A kafkajs error, judged: retriable (broker down, leader moving) or fatal (will never succeed). */
export interface ErrorVerdict {
  retriable: boolean;
  /** kafkajs name and protocol type, e.g. "KafkaJSProtocolError TOPIC_AUTHORIZATION_FAILED". */
  reason: string;
}

// Protocol errors that retrying cannot fix: the broker refuses this producer or this data.
const FATAL_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_REQUIRED_ACKS',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'INVALID_TOPIC_EXCEPTION',
  'POLICY_VIOLATION',
]);
const FATAL_NAMES = new Set(['KafkaJSSASLAuthenticationError', 'KafkaJSInvalidTopic', 'KafkaJSNotImplemented']);

export function classifyKafkaError(e: unknown): ErrorVerdict {
  // Walk the cause chain: kafkajs wraps the protocol error in KafkaJSNumberOfRetriesExceeded.
  const names: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 6; depth++) {
    const err = cur as { name?: string; type?: string; message?: string; cause?: unknown; originalError?: unknown };
    if (err.type && FATAL_TYPES.has(err.type)) return { retriable: false, reason: `${err.name ?? 'Error'} ${err.type}: ${err.message ?? ''}` };
    if (err.name && FATAL_NAMES.has(err.name)) return { retriable: false, reason: `${err.name}: ${err.message ?? ''}` };
    if (err.message && /SSL|certificate|self.signed|unable to verify/i.test(err.message) && !/ECONNREFUSED|ECONNRESET/.test(err.message)) {
      return { retriable: false, reason: `TLS: ${err.message}` };
    }
    names.push(err.type ? `${err.name} ${err.type}` : (err.name ?? 'Error'));
    cur = err.cause ?? err.originalError;
  }
  const msg = (e as Error)?.message ?? String(e);
  return { retriable: true, reason: `${names.join(' ← ')}: ${msg}` };
}

/**
 * kafkajs 2.2.4's RequestQueue re-arms a timer on every check even when nothing is pending, with a
 * negative delay, so an idle connection runs checkPendingRequests about once a millisecond: ~5 % of
 * a core for a producer that sends nothing (kafkajs issues #1556 and #1704; the fix proposed in
 * kafkajs PR #1667 is unmerged and kafkajs is unmaintained). The same fix, applied here once at
 * load: schedule a check only while requests are pending (then at the end of a client-side
 * throttle, or after kafkajs' own 10 ms interval). Nothing else is lost: push() checks at once,
 * and every fulfilled in-flight request checks the queue again. Applied only to the exact method
 * it replaces (its source is compared), so a kafkajs upgrade makes `kafkajsIdleFix` false and a
 * unit test fails instead of patching unknown code.
 */
interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}
const KAFKAJS_CHECK_INTERVAL_MS = 10;
function applyIdleFix(): boolean {
  let proto: { scheduleCheckPendingRequests?: (this: RequestQueueLike) => void } | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    proto = (require('kafkajs/src/network/requestQueue') as { prototype: typeof proto }).prototype;
  } catch {
    return false;
  }
  const current = proto?.scheduleCheckPendingRequests;
  if (!proto || !current) return false;
  const src = current.toString();
  const isOriginal = src.includes('let scheduleAt = this.throttledUntil - Date.now()') && src.includes('if (this.pending.length > 0)');
  if (!isOriginal) return current.name === 'scheduleCheckPendingRequestsFixed';
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequestsFixed(this: RequestQueueLike): void {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttled > 0 ? throttled : KAFKAJS_CHECK_INTERVAL_MS,
    );
  };
  return true;
}
/** Whether the idle-polling fix is in place (a unit test checks it). */
export const kafkajsIdleFix = applyIdleFix();

let lz4Loaded = false;

/** Loads the LZ4 codec (throws CONFIG_INVALID when its optional package is missing). */
export function loadLz4(): void {
  // kafkajs' table has an LZ4 entry that throws "not implemented": replace it once.
  if (lz4Loaded) return;
  // LZ4 is not built into kafkajs; the codec is an optional package (see README "Compression").
  // @2l/kafkajs-lz4 wraps lz4-napi (prebuilt binaries, LZ4 frame format as Kafka expects);
  // the older kafkajs-lz4 needs a native lz4@0.6 build and is only a fallback.
  let mod: ({ default?: unknown } & Record<string, unknown>) | undefined;
  for (const name of ['@2l/kafkajs-lz4', 'kafkajs-lz4']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(name) as typeof mod;
      break;
    } catch {
      // try the next one
    }
  }
  if (!mod) {
    throw new FsfaultError('CONFIG_INVALID', "kafka.compression 'lz4' needs the optional npm package @2l/kafkajs-lz4 (not installed); use 'gzip' or install it");
  }
  const Ctor = (mod.default ?? mod) as new () => { codec: () => unknown };
  CompressionCodecs[CompressionTypes.LZ4] = new Ctor().codec as never;
  lz4Loaded = true;
}

const COMPRESSION: Record<TransportOptions['compression'], CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
};

function readPem(path: string | undefined, what: string): string | undefined {
  if (path === undefined) return undefined;
  // Config may carry the PEM itself or a file path.
  if (path.includes('-----BEGIN')) return path;
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new FsfaultError('CONFIG_INVALID', `kafka.tls.${what}: cannot read '${path}': ${(e as Error).message}`, { cause: e });
  }
}

// A header may repeat; the first value is the one fsfault wrote.
function flattenHeaders(h: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): ReadMessage['headers'] {
  const out: ReadMessage['headers'] = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}

export class KafkaTransport implements Transport {
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private readonly compression: CompressionTypes;
  private readonly requestTimeoutMs: number;

  constructor(opts: TransportOptions) {
    if (opts.compression === 'lz4') loadLz4();
    this.compression = COMPRESSION[opts.compression];
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    const cfg: KafkajsConfig = {
      clientId: opts.clientId,
      brokers: opts.brokers,
      connectionTimeout: opts.connectionTimeoutMs ?? 3000,
      requestTimeout: this.requestTimeoutMs,
      // kafkajs' own retries are kept short: the connector runs the long, capped backoff itself and
      // re-syncs with the topic after a failure (see kafka-connector.ts).
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
      // Through fsfault's logger at debug only (TransportOptions.debug): quiet by default.
      logLevel: opts.debug ? logLevel.INFO : logLevel.NOTHING,
      logCreator: () => (entry) => opts.debug?.(`kafkajs ${entry.namespace}: ${entry.log.message}`),
    };
    if (opts.tls) {
      cfg.ssl = {
        rejectUnauthorized: opts.tls.rejectUnauthorized,
        ca: readPem(opts.tls.ca, 'ca'),
        cert: readPem(opts.tls.cert, 'cert'),
        key: readPem(opts.tls.key, 'key'),
      };
    }
    if (opts.sasl) cfg.sasl = { mechanism: opts.sasl.mechanism, username: opts.sasl.username, password: opts.sasl.password } as SASLOptions;
    this.kafka = new Kafka(cfg);
  }

  /** Connect a fresh idempotent producer (a new producer id, so sequence numbers start clean). */
  async connect(): Promise<void> {
    await this.dropProducer();
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    await p.connect();
    this.producer = p;
  }

  get connected(): boolean {
    return this.producer !== null;
  }

  /** Forget the producer after a failed send; the next connect() gets a new producer id. */
  async dropProducer(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    if (p) await p.disconnect().catch(() => undefined);
  }

  /** Partition the Java client (and kafkajs' default partitioner) would pick for this key (murmur2.ts). */
  partitionFor(_topic: string, key: string, partitionCount: number): number {
    return keyPartition(key, partitionCount);
  }

  /** Number of partitions; undefined when the topic does not exist. */
  async partitionCount(topic: string): Promise<number | undefined> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) return undefined;
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      return md.topics[0]?.partitions.length;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** `configs`: topic-level settings, e.g. { 'cleanup.policy': 'compact' } for the fleet topics. */
  async createTopic(topic: string, partitions: number, configs: Record<string, string> = {}, replicationFactor = 1): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }], waitForLeaders: true });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async watermarks(topic: string): Promise<PartitionOffsets[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offs = await admin.fetchTopicOffsets(topic);
      return offs.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) })).sort((a, b) => a.partition - b.partition);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** A consumer group's committed offsets of a topic, per partition (-1 when none). */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const r = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((r[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Send and resolve when the broker acknowledged every message (acks=all). kafkajs groups a
   * send's messages per partition by copying that partition's array for each message (quadratic:
   * ~0.5 s of CPU for 50 000 messages over 12 partitions), so a large send goes as consecutive
   * requests of at most SEND_SLICE messages per partition: the grouping stays negligible, each
   * record batch stays far below the broker's message.max.bytes, and a partition's messages keep
   * their order (a slice is sent only after the previous one was acknowledged).
   */
  async send(topic: string, messages: readonly OutMessage[], compression?: TransportOptions['compression']): Promise<void> {
    if (compression === 'lz4') loadLz4();
    const codec = compression === undefined ? this.compression : COMPRESSION[compression];
    if (!this.producer) await this.connect();
    for (const slice of slicePerPartition(messages, SEND_SLICE)) {
      const msgs: Message[] = slice.map((m) => ({ partition: m.partition, key: m.key, value: m.value, headers: m.headers }));
      await this.producer!.send({ topic, acks: -1, timeout: this.requestTimeoutMs, compression: codec, messages: msgs });
    }
  }

  /**
   * Read partitions from the given offsets up to the high watermark seen when called. Needs a
   * consumer group (kafkajs has no manual assignment): a throw-away group that commits nothing.
   */
  async readRange(topic: string, from: ReadonlyMap<number, bigint>, timeoutMs = 30_000): Promise<ReadMessage[]> {
    const marks = await this.watermarks(topic);
    const want = new Map<number, { from: bigint; high: bigint }>();
    for (const m of marks) {
      const f = from.get(m.partition);
      if (f === undefined) continue;
      const start = f < m.low ? m.low : f;
      if (start < m.high) want.set(m.partition, { from: start, high: m.high });
    }
    if (want.size === 0) return [];
    const out: ReadMessage[] = [];
    const consumer = this.kafka.consumer({ groupId: `fsfault-read-${crypto.randomUUID()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
    const pending = new Set(want.keys());
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const w = want.get(batch.partition);
          if (!w) return;
          for (const m of batch.messages) {
            const off = BigInt(m.offset);
            if (off < w.from || off >= w.high) continue;
            out.push({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: flattenHeaders(m.headers), timestamp: m.timestamp });
          }
          const last = batch.messages.length ? BigInt(batch.messages[batch.messages.length - 1]!.offset) : -1n;
          if (last >= w.high - 1n || BigInt(batch.highWatermark) <= w.from) pending.delete(batch.partition);
          if (pending.size === 0) finish();
        },
      });
      // Seek after run(); when the first join failed (a fresh broker creates __consumer_offsets on
      // first use) kafkajs restarts the group, so seek again on every join. Messages read before a
      // seek took effect are filtered out above.
      const seekAll = () => {
        for (const [partition, w] of want) consumer.seek({ topic, partition, offset: w.from.toString() });
      };
      consumer.on(consumer.events.GROUP_JOIN, () => seekAll());
      try {
        seekAll();
      } catch {
        // group not initialised yet: the GROUP_JOIN listener seeks
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading topic '${topic}' timed out after ${timeoutMs} ms (partitions left: ${[...pending].join(',')})`)), timeoutMs);
      });
      try {
        await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    return out.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  }

  /**
   * A consumer-group member (the fleet). kafkajs runs the group protocol (join, sync, heartbeats,
   * rebalances); the caller gets whole batches per partition and commits offsets itself
   * (autoCommit off), so an offset is committed only after what it reflects is stored elsewhere.
   * `onJoin` runs on every (re)join with this member's assignment, before the next batches.
   */
  async groupConsumer(opts: GroupConsumerOptions): Promise<GroupConsumer> {
    const consumer: Consumer = this.kafka.consumer({
      groupId: opts.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: opts.maxWaitMs ?? 500,
      sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.max(100, Math.floor((opts.sessionTimeoutMs ?? 30_000) / 10)),
      rebalanceTimeout: opts.rebalanceTimeoutMs ?? 60_000,
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => opts.onJoin?.(e.payload.memberAssignment as Record<string, number[]>));
    consumer.on(consumer.events.CRASH, (e) => opts.onCrash?.(e.payload.error, e.payload.restart));
    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: opts.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: opts.concurrency ?? 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        const messages: ReadMessage[] = batch.messages.map((m) => ({
          partition: batch.partition,
          offset: m.offset,
          key: m.key,
          value: m.value,
          headers: flattenHeaders(m.headers),
          timestamp: m.timestamp,
        }));
        await opts.onBatch({ topic: batch.topic, partition: batch.partition, messages, highWatermark: BigInt(batch.highWatermark) }, heartbeat);
      },
    });
    return {
      commit: async (topic, offsets) => {
        await consumer.commitOffsets([...offsets].map(([partition, next]) => ({ topic, partition, offset: next.toString() })));
      },
      committed: (topic) => this.committedOffsets(opts.groupId, topic),
      stop: async (timeoutMs = GROUP_STOP_MS) => {
        // kafkajs waits for the batch in progress, then leaves the group; bounded, so that a stop
        // never hangs on a rebalance or an unanswered request (the broker then expires the member
        // after its session timeout instead: its partitions move a little later, nothing is lost).
        const left = await fulfilsWithin(consumer.disconnect().catch(() => undefined), timeoutMs);
        if (!left) opts.onStopTimeout?.(timeoutMs);
        return left;
      },
    };
  }

  async close(): Promise<void> {
    await this.dropProducer();
  }
}

/**
 * kafkajs' own DefaultPartitioner for a key: the reference murmur2.ts is tested against (the
 * partitioner only looks at the partition ids of the metadata).
 */
export function kafkajsKeyPartition(key: string, partitionCount: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitionCount }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));
  return Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata, message: { key, value: null } });
}

/** How long a group consumer's stop waits for kafkajs to finish its batch and leave the group. */
export const GROUP_STOP_MS = 5000;

/** Messages per partition in one produce request (see send). */
const SEND_SLICE = 500;

/** Consecutive slices holding at most `max` messages of each partition, order kept per partition. */
export function slicePerPartition<T extends { partition: number }>(messages: readonly T[], max: number): T[][] {
  const seen = new Map<number, number>();
  const slices: T[][] = [];
  for (const m of messages) {
    const n = seen.get(m.partition) ?? 0;
    seen.set(m.partition, n + 1);
    const i = Math.floor(n / max);
    (slices[i] ??= []).push(m);
  }
  return slices;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ReadMessage[];
  /** Offset of the next message the broker will write in this partition. */
  highWatermark: bigint;
}

export interface GroupConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  maxWaitMs?: number;
  maxBytesPerPartition?: number;
  concurrency?: number;
  onBatch(batch: ConsumedBatch, heartbeat: () => Promise<void>): Promise<void>;
  onJoin?(assignment: Record<string, number[]>): void;
  /** stop() gave up waiting for kafkajs to leave the group. */
  onStopTimeout?(timeoutMs: number): void;
  /** kafkajs gave up on the consumer; `restart` says whether it restarts itself. */
  onCrash?(error: Error, restart: boolean): void;
}

export interface GroupConsumer {
  /** Commit, per partition, the offset of the next message to consume. */
  commit(topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void>;
  /** The group's committed offsets (-1 when none). */
  committed(topic: string): Promise<Map<number, bigint>>;
  /** Leave the group and disconnect, within `timeoutMs` (default 5 s); false when it gave up waiting. */
  stop(timeoutMs?: number): Promise<boolean>;
}
