/**
 * The Kafka connector: publishes store events to one topic, at least once and without duplicates
 * after a crash, with the Confluent framing when a registry is configured (single-object encoding
 * otherwise).
 *
 * open():    registry compatibility check + registration (before anything is published), producer,
 *            then reads the topic's tail to learn what of THIS STORE (its identity, not the host
 *            name) already arrived (resume.ts) and returns the contiguous prefix so the pump
 *            continues after it.
 * deliver(): resolves only after the broker acknowledged the batch (acks=all). A failure is thrown
 *            to the ConnectorPump, the one owner of retries (backoff, counting, giving up); after a
 *            failure the next call replaces the producer and re-reads the tail first, so a send
 *            whose outcome was unknown is not sent twice. Only one batch is held in memory; the
 *            rest waits in the store. A non-retriable failure throws CONNECTOR_FATAL.
 * The Kafka client sits behind the Transport interface (transport.ts): tests inject a fake.
 */
import { FsfaultError, isFsfaultError } from '../../core/errors';
import type { Connector, ConnectorContext } from '../../core/pipeline/connector';
import type { StoredEvent } from '../../core/store/types';
import type { KafkaConfig } from '../../core/config/schema';
import type { RetryPolicy } from '../../core/pipeline/retry';
import { frameConfluent } from './confluent-wire';
import { frameSingleObject } from './single-object';
import { buildHeaders } from './headers';
import { messageKey } from './message-key';
import { RegistryClient } from './registry-client';
import { subjectName } from './subject';
import { diffSchemas } from './schema-diff';
import { arrivedByPartition, contiguousArrived } from './resume';
import { KafkaTransport, classifyKafkaError } from './kafkajs-adapter';
import type { OutMessage, Transport, TransportFactory } from './transport';

export interface KafkaConnectorOptions {
  /**
   * Create the topic with this many partitions when it does not exist (development, tests). Without
   * it a missing topic stops the connector (CONNECTOR_FATAL): fsfault never relies on broker-side
   * auto-creation, whose partition count and retention nobody chose.
   */
  createTopicPartitions?: number;
  /** Produce request timeout, ms (default 30 000). */
  requestTimeoutMs?: number;
  /** How many messages per partition the tail scan reads at first (default 500; it widens up to 200 000). */
  tailWindow?: number;
  /** The Kafka client (default: kafkajs through kafkajs-adapter.ts); tests pass a fake. */
  transport?: TransportFactory;
}

export interface KafkaConnectorStats {
  topic: string;
  /** Highest store offset acknowledged by the broker. */
  deliveredOffset: number;
  headOffset: number;
  lagEvents: number;
  /** Age of the oldest event not yet acknowledged, seconds (0 when caught up). */
  lagSeconds: number;
  /** Messages acknowledged since open. */
  sent: number;
  /** Events skipped because the topic already had them (after a crash / ambiguous failure). */
  skippedAlreadyArrived: number;
  /** Failed attempts (open or send) since start; the pump retries them. */
  failures: number;
  /** The last attempt failed and a retry is due. */
  retrying: boolean;
  /** The store identity written into the messages' headers. */
  storeId: string | null;
  lastError: string | null;
  schemaId: number | null;
}

const MAX_TAIL_SCAN = 200_000;

export class KafkaConnector implements Connector {
  readonly name: string;
  readonly batching: { maxEvents: number; lingerMs: number };
  readonly retry: RetryPolicy;
  private ctx: ConnectorContext | null = null;
  private transport: Transport | null = null;
  private registry: RegistryClient | null = null;
  private schemaId: number | null = null;
  private partitions = 0;
  private readonly partitionCache = new Map<string, number>();
  /** partition → highest store offset of this host known to be in that partition. */
  private arrived = new Map<number, number>();
  private delivered = 0;
  /** The last open/send failed: its outcome is unknown, so re-read the topic before sending again. */
  private resync = false;
  private readonly st = { sent: 0, skipped: 0, failures: 0, retrying: false, lastError: null as string | null };

  constructor(
    private readonly config: KafkaConfig,
    private readonly opts: KafkaConnectorOptions = {},
  ) {
    this.name = `kafka:${config.topic}`;
    this.batching = { maxEvents: config.batch.maxEvents, lingerMs: config.batch.lingerMs };
    this.retry = config.retry;
  }

  /** Called again by the pump after a failure: every step is idempotent. */
  async open(ctx: ConnectorContext): Promise<number | void> {
    return this.attempt('opening', async () => {
      this.ctx = ctx;
      this.delivered = Math.max(this.delivered, ctx.committed);
      if (this.config.registry && this.schemaId === null) {
        const r = this.config.registry;
        this.registry ??= new RegistryClient({ urls: r.urls, basicAuth: r.basicAuth, bearerToken: r.bearerToken });
        this.schemaId = await this.registerSchema();
      }
      const make = this.opts.transport ?? ((o) => new KafkaTransport(o));
      this.transport ??= make({
        brokers: this.config.brokers,
        clientId: this.config.clientId,
        compression: this.config.compression,
        tls: this.config.tls,
        sasl: this.config.sasl,
        requestTimeoutMs: this.opts.requestTimeoutMs,
        warn: (m) => ctx.warn(`${this.name}: ${m}`),
        ...(ctx.debug ? { debug: (m: string) => ctx.debug?.(`${this.name}: ${m}`) } : {}),
      });
      await this.ensureTopic();
      await this.transport.connect();
      await this.syncArrived();
      this.resync = false;
      const resumed = this.resumeOffset();
      if (resumed > this.delivered) {
        const skipped = resumed - this.delivered;
        this.st.skipped += skipped;
        ctx.skipped?.(skipped, `store ${ctx.log.storeId()} offsets ${this.delivered + 1}..${resumed} are already in topic ${this.config.topic} (cursor was ${ctx.committed}); continuing after them`);
        this.delivered = resumed;
        return resumed;
      }
      return undefined;
    });
  }

  async deliver(batch: readonly StoredEvent[]): Promise<number | void> {
    if (batch.length === 0) return undefined;
    const last = batch[batch.length - 1]!.offset;
    await this.attempt(`sending store offsets ${batch[0]!.offset}..${last}`, async () => {
      if (this.resync) {
        // Outcome of the failed send is unknown: new producer id, then ask the topic what arrived.
        await this.transport!.connect();
        await this.syncArrived();
        this.resync = false;
      }
      const before = this.st.skipped;
      const todo = this.toMessages(batch);
      if (this.st.skipped > before) this.ctx!.skipped?.(this.st.skipped - before, `${this.st.skipped - before} of store offsets ${batch[0]!.offset}..${last} already in topic ${this.config.topic}; not sent again`);
      if (todo.length) await this.transport!.send(this.config.topic, todo);
      for (const m of todo) {
        const off = Number(m.headers['fsfault.store.offset']);
        if (off > (this.arrived.get(m.partition) ?? 0)) this.arrived.set(m.partition, off);
      }
      this.st.sent += todo.length;
    });
    if (last > this.delivered) this.delivered = last;
    return last;
  }

  async flush(): Promise<number | void> {
    return this.delivered;
  }

  async close(): Promise<void> {
    await this.transport?.close();
  }

  stats(): KafkaConnectorStats {
    const log = this.ctx?.log;
    const head = log ? log.headOffset() : 0;
    let lagSeconds = 0;
    if (log && head > this.delivered) {
      const next = log.readAfter(this.delivered, 1)[0];
      if (next) lagSeconds = Math.max(0, (Date.now() * 1000 - next.storedAt) / 1e6);
    }
    return {
      topic: this.config.topic,
      deliveredOffset: this.delivered,
      headOffset: head,
      lagEvents: Math.max(0, head - this.delivered),
      lagSeconds,
      sent: this.st.sent,
      skippedAlreadyArrived: this.st.skipped,
      failures: this.st.failures,
      retrying: this.st.retrying,
      lastError: this.st.lastError,
      schemaId: this.schemaId,
      storeId: this.ctx?.log.storeId() ?? null,
    };
  }

  // --- internals ---------------------------------------------------------------------------

  /**
   * Check, register, and on a new subject set its compatibility level (kafka.registry.compatibility,
   * default BACKWARD: registries differ — Apicurio's default is NONE, Confluent's BACKWARD). An
   * incompatible schema is REGISTRY_INCOMPATIBLE with the registry's reasons and fsfault's own diff
   * against the subject's latest schema (some registries give no reasons).
   */
  private async registerSchema(): Promise<number> {
    const ctx = this.ctx!;
    const reg = this.registry!;
    const r = this.config.registry!;
    const subject = subjectName(r.subjectStrategy, this.config.topic, 'fsfault.Event');
    const latest = await reg.latestSchema(subject);
    const incompatible = (messages: string[]) => {
      const diff = latest ? diffSchemas(latest, ctx.schema.text) : [];
      const why = [...messages, ...diff.map((d) => `changed: ${d}`)];
      return new FsfaultError(
        'REGISTRY_INCOMPATIBLE',
        `schema ${ctx.schema.fingerprint} is incompatible with the latest version of registry subject '${subject}': ${why.length ? why.join('; ') : 'the registry gave no details and the schemas show no difference'}. Nothing was published.`,
        { details: { subject, messages, diff, fingerprint: ctx.schema.fingerprint } },
      );
    };
    if (latest !== null) {
      const compat = await reg.checkCompatibility(subject, ctx.schema.text);
      if (compat.kind === 'incompatible') throw incompatible(compat.messages);
    }
    let id: number;
    try {
      id = await reg.register(subject, ctx.schema.text);
    } catch (e) {
      if (isFsfaultError(e, 'REGISTRY_INCOMPATIBLE')) throw incompatible([e.message]);
      throw e;
    }
    if (latest === null) await reg.setCompatibility(subject, r.compatibility);
    ctx.warn(`${this.name}: schema ${ctx.schema.fingerprint} is id ${id} in subject '${subject}'${latest === null ? ` (new subject, compatibility ${r.compatibility})` : ''}`);
    return id;
  }

  private async ensureTopic(): Promise<void> {
    const t = this.transport!;
    let n = await t.partitionCount(this.config.topic);
    if (n === undefined && this.opts.createTopicPartitions) {
      await t.createTopic(this.config.topic, this.opts.createTopicPartitions).catch((e: Error) => {
        if (!/already exists/i.test(e.message)) throw e;
      });
      n = await t.partitionCount(this.config.topic);
    }
    if (n === undefined || n === 0) {
      throw new FsfaultError('CONNECTOR_FATAL', `Kafka topic '${this.config.topic}' does not exist on ${this.config.brokers.join(',')}; create it (fsfault does not rely on broker auto-creation)`, {
        details: { topic: this.config.topic },
      });
    }
    if (n !== this.partitions) this.partitionCache.clear();
    this.partitions = n;
  }

  /** Read the newest messages of each partition until this store's newest one is found. */
  private async syncArrived(): Promise<void> {
    const t = this.transport!;
    const log = this.ctx!.log;
    const storeId = log.storeId();
    const marks = await t.watermarks(this.config.topic);
    const found = new Map<number, number>();
    let open = marks.filter((m) => m.high > m.low);
    let window = BigInt(this.opts.tailWindow ?? 500);
    while (open.length > 0) {
      const from = new Map(open.map((m) => [m.partition, m.high - window > m.low ? m.high - window : m.low]));
      const msgs = await t.readRange(this.config.topic, from);
      for (const [p, off] of arrivedByPartition(msgs, storeId)) found.set(p, off);
      // Done with a partition when this store's newest message was found or the whole partition (or
      // the scan limit) was read; other stores' messages can push ours further back.
      open = open.filter((m) => !found.has(m.partition) && from.get(m.partition)! > m.low && window < BigInt(MAX_TAIL_SCAN));
      window *= 8n;
    }
    const head = log.headOffset();
    const beyond = Math.max(0, ...found.values());
    if (beyond > head) {
      // The topic holds offsets of this identity the store never reached: the store was restored
      // from an older copy (or copied to a second host). Its appends since the restore reuse
      // offsets that are already published and would be skipped as "arrived". It takes a new
      // identity, and everything after its committed cursor is published under it: which of
      // those rows the old identity already carried cannot be told apart from rows appended after
      // the restore by offset alone, so they may arrive twice (same event id), never not at all.
      const old = storeId;
      const committed = this.ctx!.committed;
      const id = log.renewStoreId(`topic ${this.config.topic} holds offset ${beyond} of this identity, the store ends at ${head} (restored from a backup?)`);
      this.ctx!.warn(
        `${this.name}: topic holds store ${old} up to offset ${beyond} but the store ends at ${head}: it was restored from an older copy. ` +
          `The store takes the new identity ${id}; its events after the cursor (${committed}) are published under it`,
      );
      found.clear();
    }
    this.arrived = found;
  }

  private resumeOffset(): number {
    // The store's scan (core/store/README.md "Reading the log back"): a long unconfirmed tail is
    // read one row at a time, not kept as pages of decoded events.
    let after = this.delivered;
    for (const e of this.ctx!.log.scan({ fromOffset: after + 1 })) {
      const r = contiguousArrived([{ offset: e.offset, partition: this.partitionOf(e) }], this.arrived, after);
      if (r.complete || r.offset === after) return r.offset;
      after = r.offset;
    }
    return after;
  }

  private partitionOf(e: StoredEvent): number {
    return this.partitionOfKey(messageKey(e.event));
  }

  /** murmur2 in kafkajs costs ~8 µs a key; a host has few filesystems, so keys are cached. */
  private partitionOfKey(key: string): number {
    let p = this.partitionCache.get(key);
    if (p === undefined) {
      if (this.partitionCache.size >= 10_000) this.partitionCache.clear();
      p = this.transport!.partitionFor(this.config.topic, key, this.partitions);
      this.partitionCache.set(key, p);
    }
    return p;
  }

  /** Frame the batch, leaving out what the topic already has. */
  private toMessages(batch: readonly StoredEvent[]): OutMessage[] {
    const ctx = this.ctx!;
    const out: OutMessage[] = [];
    for (const e of batch) {
      const key = messageKey(e.event);
      const partition = this.partitionOfKey(key);
      if (e.offset <= (this.arrived.get(partition) ?? 0)) {
        this.st.skipped++;
        continue;
      }
      // Reuse the stored bytes when they were written with the current schema; rows written by an
      // older fsfault (other plugins) are re-encoded with the current schema from the decoded event,
      // so a topic only ever carries the one schema this process registered.
      const body = e.fingerprint === ctx.schema.fingerprint ? e.body : ctx.codec.encode(e.event);
      const value = this.schemaId !== null ? frameConfluent(this.schemaId, body) : frameSingleObject(ctx.schema.fingerprint, body);
      const headers = buildHeaders({ eventId: e.event.id, storeId: ctx.log.storeId(), storeOffset: e.offset, host: ctx.host, fingerprint: ctx.schema.fingerprint, schemaId: this.schemaId });
      out.push({ partition, key, value, headers });
    }
    return out;
  }

  /**
   * One attempt of an open or a send. A retriable failure is thrown as is for the pump to retry
   * (after dropping the producer and marking the topic for a re-read); a fatal one (judge) is
   * thrown as CONNECTOR_FATAL, or the FsfaultError as raised (e.g. REGISTRY_INCOMPATIBLE).
   */
  private async attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      const r = await fn();
      this.st.retrying = false;
      return r;
    } catch (e) {
      this.st.lastError = (e as Error).message;
      this.resync = true;
      await this.transport?.dropProducer();
      const fatal = this.judge(e, what);
      if (fatal) throw fatal;
      this.st.failures++;
      this.st.retrying = true;
      if (isFsfaultError(e)) throw e;
      // kafkajs marks an error it stopped retrying itself as retriable: false; for the pump it is
      // a retriable failure of this connector (judge() found nothing that retrying cannot fix).
      throw new FsfaultError('CONNECTOR_UNAVAILABLE', `${this.name}: ${what} failed: ${(e as Error).message}`, { cause: e, retriable: true });
    }
  }

  /** null when retriable; otherwise the error to stop with. */
  private judge(e: unknown, what: string): FsfaultError | null {
    if (isFsfaultError(e)) return e.retriable ? null : e;
    const v = classifyKafkaError(e);
    if (v.retriable) return null;
    return new FsfaultError('CONNECTOR_FATAL', `${this.name}: ${what} failed with a non-retriable broker error (${v.reason}); the connector stops and no event is skipped`, {
      cause: e,
      details: { topic: this.config.topic, reason: v.reason },
    });
  }
}
