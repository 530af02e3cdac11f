/**
 * The connector contract. A connector publishes events from the store: the ConnectorPump
 * (connector-pump.ts) reads after the connector's committed cursor, hands batches to `deliver`,
 * and commits only what the connector reports as durably delivered. Nothing is published from memory.
 */
import type { EventCodec } from '../schema/codec';
import type { ComposedSchema } from '../schema/compose';
import type { EventLog, StoredEvent } from '../store/types';
import type { RetryPolicy } from './retry';

export interface ConnectorContext {
  schema: ComposedSchema;
  codec: EventCodec;
  log: EventLog;
  /** The connector's committed cursor when it opened. */
  committed: number;
  host: string;
  /** Diagnostics to stderr (never to stdout, which may carry events). */
  warn(message: string): void;
  /** Debug diagnostics (set only when the log level is debug): e.g. a client library's own log. */
  debug?(message: string): void;
  /**
   * The connector left out `count` events because the destination already had them (resume after
   * a crash or an ambiguous failure): counted in the pump's stats and logged at info.
   */
  skipped?(count: number, why: string): void;
}

export interface Connector {
  /** Stable name; also the store cursor name (`kafka:<topic>`, `avro:<dir>`, `stdout`). */
  readonly name: string;
  /** How the pump should batch for this connector (default: 500 events, no linger). */
  readonly batching?: { maxEvents: number; lingerMs: number };
  /** How the pump retries this connector's failures (default: 300 ms doubling to 30 s, forever). */
  readonly retry?: RetryPolicy;
  /**
   * Prepare (connect, register schemas, find what already arrived). May return an offset to resume
   * after when the destination knows better than the cursor (Kafka reads its topic's tail).
   */
  open(ctx: ConnectorContext): Promise<number | void>;
  /**
   * Deliver a batch (offsets increasing). Resolve with the highest offset that is now durable at the
   * destination — possibly lower than the batch's last, e.g. while a container file is still open;
   * undefined means "all of it". Throw to have the pump retry with backoff (the pump is the only
   * retry owner: a connector does not retry internally, so every retry is counted once); throw a FsfaultError with
   * code CONNECTOR_FATAL (or retriable === false) to stop the connector with that error.
   */
  deliver(batch: readonly StoredEvent[]): Promise<number | void>;
  /**
   * Make everything delivered so far durable (close/rename files ...); return the durable offset.
   * `idle: true` says the pump merely caught up: a connector may keep an open file open (its own
   * age limit bounds the wait) instead of closing a tiny file at every lull.
   */
  flush(opts?: { idle?: boolean }): Promise<number | void>;
  close(): Promise<void>;
  /** What the connector knows about itself, for metrics (e.g. the registry schema id it frames with). */
  stats?(): { schemaId?: number | null };
}
