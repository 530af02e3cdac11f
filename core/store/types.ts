/**
 * The store contract: the event log is the single source of truth after the core queue. Every
 * connector reads from it through its own named cursor and confirms delivery; nothing is
 * published from memory. Implemented by core/store/sqlite-store.ts (better-sqlite3).
 */
import type { FsEvent } from '../model/event';

/** One stored event. `offset` is gapless and increasing from 1. */
export interface StoredEvent {
  offset: number;
  /** Time the row was appended, µs since the epoch. */
  storedAt: number;
  event: FsEvent;
  /** The Avro binary body exactly as stored (encoded with the schema `fingerprint`). */
  body: Buffer;
  /** 16 hex digits, CRC-64-AVRO of the writer schema's canonical form. */
  fingerprint: string;
}

export interface EventQuery {
  since?: number; // µs, inclusive, on lastSeen
  until?: number; // µs, exclusive, on firstSeen
  device?: string;
  kind?: FsEvent['kind'];
  fromOffset?: number;
  toOffset?: number;
  limit?: number;
}

export interface EventLog {
  /**
   * Append events atomically (one transaction) together with source cursors; returns their offsets.
   * `bodies[i]`, when given and not null, is events[i] already Avro-encoded with this log's codec
   * (the queue's charge made it): stored as is instead of encoding the event again.
   */
  append(events: readonly FsEvent[], sourceCursors?: Readonly<Record<string, string>>, bodies?: readonly (Buffer | null)[]): number[];
  /** Events with offset > afterOffset, in offset order, at most `max`. */
  readAfter(afterOffset: number, max: number): StoredEvent[];
  query(q: EventQuery): StoredEvent[];
  /**
   * Every event matching `q` (its limit applies to the total) in offset order, handed out one at a
   * time: for readers of a whole history. Memory does not grow with the number of rows read (each
   * row is read in a small page and decoded when taken; nothing is kept once the caller drops it).
   * Rows appended while the scan runs are included when `q.toOffset` does not bound it.
   */
  scan(q?: EventQuery): Iterable<StoredEvent>;
  /** Highest offset stored (0 when empty). */
  headOffset(): number;
  /** Resolves when an event with offset > afterOffset exists (or at once if it already does). */
  waitForAppend(afterOffset: number, signal?: AbortSignal): Promise<void>;

  /** Committed offset of a connector cursor (0 when new). */
  cursor(name: string): number;
  /** Advance a connector cursor after the connector confirmed delivery up to `offset`. Never moves back. */
  commit(name: string, offset: number): void;
  /** Registered connector cursors, so retention can keep what a connector has not confirmed. */
  cursors(): Record<string, number>;

  /** Source cursors (kernel-log seq, counter baselines ...), persisted atomically with appends. */
  sourceCursor(name: string): string | null;

  /**
   * The store's permanent random identity (32 hex digits), made when the store was created. Offsets
   * are only meaningful together with it: a new store under the same host name has a new one.
   */
  storeId(): string;
  /**
   * Give the store a new identity (the old one is kept in the store's history). A connector calls
   * it when its destination holds offsets of this identity beyond the store's head: the store was
   * restored from a backup, and the offsets it appends from now on would otherwise collide with
   * ones already published. Returns the new identity.
   */
  renewStoreId(reason: string): string;

  /** Writer schema JSON text by fingerprint (schemas are stored once). */
  schemaText(fingerprint: string): string | null;

  close(): void;
}
