/**
 * What the Kafka connector needs from a Kafka client, as an interface: the connector's resume,
 * dedupe and retry logic runs against it, so unit tests drive that logic with an in-memory fake
 * (test/unit/helpers-kafka/fake-transport.ts) and only the adapter (kafkajs-adapter.ts) talks to
 * a broker.
 */
export interface OutMessage {
  partition: number;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface ReadMessage {
  partition: number;
  /** Kafka offset (decimal string: offsets are int64). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | undefined>;
  timestamp: string;
}

export interface PartitionOffsets {
  partition: number;
  low: bigint;
  /** High watermark: offset of the next message to be written. */
  high: bigint;
}

export interface TransportOptions {
  brokers: string[];
  clientId: string;
  compression: 'none' | 'gzip' | 'lz4';
  tls?: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined; rejectUnauthorized: boolean } | undefined;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  /** How long one produce request may take before it counts as failed (ms). */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Forward client warnings/errors (stderr); nothing is logged by default. */
  warn?: (message: string) => void;
  /**
   * The client library's own log goes here when set (fsfault --log-level debug) instead of to
   * `warn`: it repeats what the connector's one retry line already says (6 of 7 lines per broker
   * retry), so it is quiet by default.
   */
  debug?: (message: string) => void;
}

export interface Transport {
  /** Connect a fresh idempotent producer (a new producer id, so sequence numbers start clean). */
  connect(): Promise<void>;
  /** Forget the producer after a failed send; the next connect() gets a new producer id. */
  dropProducer(): Promise<void>;
  /** Partition the Java client's default partitioner would pick for this key. */
  partitionFor(topic: string, key: string, partitionCount: number): number;
  /** Number of partitions; undefined when the topic does not exist. */
  partitionCount(topic: string): Promise<number | undefined>;
  /** Create a topic (configs: topic-level settings, e.g. message.timestamp.type). */
  createTopic(topic: string, partitions: number, configs?: Record<string, string>): Promise<void>;
  watermarks(topic: string): Promise<PartitionOffsets[]>;
  /** Send and resolve when the broker acknowledged every message (acks=all); `compression` overrides the transport's. */
  send(topic: string, messages: readonly OutMessage[], compression?: TransportOptions['compression']): Promise<void>;
  /** Read partitions from the given offsets up to the high watermark seen when called. */
  readRange(topic: string, from: ReadonlyMap<number, bigint>): Promise<ReadMessage[]>;
  close(): Promise<void>;
}

export type TransportFactory = (opts: TransportOptions) => Transport;
