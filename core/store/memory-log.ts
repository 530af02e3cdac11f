/**
 * An in-memory EventLog with the SQLite store's semantics (gapless offsets never reused, source
 * cursors set with their events, forward-only connector cursors, retention with the same policies
 * and LOST events), for `store.enabled: false` and for tests of other parts. Nothing survives the
 * process.
 */
import { randomUUID } from 'node:crypto';
import type { FsEvent } from '../model/event';
import { emptyProjection, foldAll, type HealthProjection } from '../projections/fs-health';
import type { EventCodec } from '../schema/codec';
import { AppendWaiters } from './append-waiters';
import type { LocalStore, StoreInfo } from './local-store';
import { STORE_VERSION } from './migrations';
import {
  DEFAULT_RETENTION,
  MAX_DELETE_PER_APPEND,
  ageCutoffUs,
  confirmedUpTo,
  retentionLostEvent,
  storeFullError,
  type DroppedRow,
  type RetentionOptions,
} from './retention';
import type { EventQuery, StoredEvent } from './types';

/** What one event costs against maxBytes beyond its body (kept close to the SQLite store's row cost). */
export const MEMORY_ROW_OVERHEAD_BYTES = 120;

export interface MemoryLogOptions {
  host?: string;
  retention?: RetentionOptions;
  nowUs?: () => number;
  /** The log's identity (default: a random one, as a new store gets). */
  storeId?: string;
}

export class MemoryLog implements LocalStore {
  /** Retained rows; rows[i].offset === first + i. */
  private rows: StoredEvent[] = [];
  private head = 0;
  private bytes = 0;
  private dropped = 0;
  private readonly connectorCursors = new Map<string, number>();
  private readonly sources = new Map<string, string>();
  private readonly schemas = new Map<string, string>();
  private projection = emptyProjection();
  private readonly waiters = new AppendWaiters();
  private readonly retention: RetentionOptions;
  private readonly host: string;
  private readonly nowUs: () => number;
  private id: string;

  constructor(
    private readonly codec: EventCodec,
    opts: MemoryLogOptions = {},
  ) {
    this.retention = opts.retention ?? DEFAULT_RETENTION;
    this.host = opts.host ?? 'localhost';
    this.nowUs = opts.nowUs ?? (() => Date.now() * 1000);
    this.id = opts.storeId ?? randomUUID().replace(/-/g, '');
    this.schemas.set(codec.schema.fingerprint, codec.schema.text);
  }

  append(events: readonly FsEvent[], sourceCursors?: Readonly<Record<string, string>>, encoded?: readonly (Buffer | null)[]): number[] {
    const bodies = events.map((e, i) => encoded?.[i] ?? this.codec.encode(e));
    const now = this.nowUs();
    const incoming = bodies.reduce((n, b) => n + b.length + MEMORY_ROW_OVERHEAD_BYTES, 0);
    // Plan on copies, then apply: a STORE_FULL leaves the log exactly as it was.
    const { keepFrom, dropped } = this.plan(now, incoming);
    const added: StoredEvent[] = [];
    let next = this.head + 1;
    const add = (event: FsEvent, body: Buffer) => {
      added.push({ offset: next, storedAt: now, event: structuredClone(event), body, fingerprint: this.codec.schema.fingerprint });
      return next++;
    };
    if (dropped.length) {
      const lost = retentionLostEvent(this.host, dropped, now);
      add(lost, this.codec.encode(lost));
    }
    const offsets = events.map((e, i) => add(e, bodies[i]!));

    const removed = this.rows.filter((r) => r.offset < keepFrom);
    this.rows = this.rows.filter((r) => r.offset >= keepFrom).concat(added);
    this.bytes += added.reduce((n, r) => n + size(r), 0) - removed.reduce((n, r) => n + size(r), 0);
    this.dropped += dropped.length;
    this.head = next - 1;
    foldAll(added, this.projection);
    for (const [k, v] of Object.entries(sourceCursors ?? {})) this.sources.set(k, v);
    this.waiters.notify(this.head);
    return offsets;
  }

  /** Which prefix of the log retention removes for this append, and which unconfirmed rows that drops. */
  private plan(nowUs: number, incoming: number): { keepFrom: number; dropped: DroppedRow[] } {
    const { maxBytes, maxAgeDays, policy } = this.retention;
    const confirmed = confirmedUpTo(this.cursors(), this.head);
    const first = this.rows[0]?.offset ?? this.head + 1;
    let keepFrom = first;
    let bytes = this.bytes;
    const cutoff = ageCutoffUs(nowUs, maxAgeDays);
    const ageLimit = policy === 'block' ? confirmed : this.head;
    const at = (o: number) => this.rows[o - first];
    while (keepFrom <= ageLimit && keepFrom - first < MAX_DELETE_PER_APPEND && at(keepFrom)!.storedAt < cutoff) bytes -= size(at(keepFrom++)!);
    const free = (limit: number) => {
      while (bytes + incoming > maxBytes && keepFrom <= limit) bytes -= size(at(keepFrom++)!);
    };
    free(confirmed);
    if (bytes + incoming > maxBytes) {
      if (policy === 'block') throw storeFullError('memory log', bytes, incoming, maxBytes, confirmed + 1);
      free(this.head);
    }
    const dropped: DroppedRow[] = [];
    for (let o = Math.max(first, confirmed + 1); o < keepFrom; o++) {
      const e = at(o)!.event;
      dropped.push({ device: e.fs.device, errno: e.errno, firstSeen: e.firstSeen, lastSeen: e.lastSeen });
    }
    return { keepFrom, dropped };
  }

  readAfter(afterOffset: number, max: number): StoredEvent[] {
    const first = this.rows[0]?.offset ?? this.head + 1;
    const start = Math.max(0, afterOffset + 1 - first);
    return this.rows.slice(start, start + Math.max(0, max));
  }

  /** The matching rows by reference, looked up by offset as the caller goes (rows appended meanwhile are included). */
  *scan(q: EventQuery = {}): Generator<StoredEvent> {
    let left = q.limit ?? Infinity;
    for (let o = Math.max(1, q.fromOffset ?? 1); left > 0 && o <= Math.min(this.head, q.toOffset ?? Infinity); o++) {
      const first = this.rows[0]?.offset ?? this.head + 1;
      if (o < first) o = first; // retention removed rows meanwhile
      const r = this.rows[o - first];
      if (!r) return;
      if (!matches(q, r)) continue;
      left--;
      yield r;
    }
  }

  query(q: EventQuery): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (const r of this.rows) {
      if (!matches(q, r)) continue;
      if (q.limit !== undefined && out.length >= q.limit) break;
      out.push(r);
    }
    return out;
  }

  storeId(): string {
    return this.id;
  }

  renewStoreId(): string {
    this.id = randomUUID().replace(/-/g, '');
    return this.id;
  }

  headOffset(): number {
    return this.head;
  }

  waitForAppend(afterOffset: number, signal?: AbortSignal): Promise<void> {
    return this.waiters.wait(afterOffset, this.head, signal);
  }

  cursor(name: string): number {
    if (!this.connectorCursors.has(name)) this.connectorCursors.set(name, 0);
    return this.connectorCursors.get(name)!;
  }

  commit(name: string, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`cursor '${name}': commit offset ${offset} is not a non-negative integer`);
    if (offset > this.head) throw new RangeError(`cursor '${name}': cannot commit offset ${offset} beyond the head of the log (${this.head})`);
    this.connectorCursors.set(name, Math.max(this.connectorCursors.get(name) ?? 0, offset));
  }

  cursors(): Record<string, number> {
    return Object.fromEntries([...this.connectorCursors].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  sourceCursor(name: string): string | null {
    return this.sources.get(name) ?? null;
  }

  schemaText(fingerprint: string): string | null {
    return this.schemas.get(fingerprint) ?? null;
  }

  health(): HealthProjection {
    return structuredClone(this.projection);
  }

  projectFromLog(): HealthProjection {
    return foldAll(this.rows);
  }

  rebuildProjections(): HealthProjection {
    this.projection = this.projectFromLog();
    return this.health();
  }

  enforceRetention(): number {
    const before = this.rows.length;
    this.append([]);
    return before - this.rows.length;
  }

  info(): StoreInfo {
    return {
      file: null,
      storeId: this.id,
      version: STORE_VERSION,
      readOnly: false,
      headOffset: this.head,
      firstOffset: this.rows[0]?.offset ?? this.head + 1,
      rows: this.rows.length,
      usedBytes: this.bytes,
      durability: 'off',
      retention: this.retention,
      retentionDropped: this.dropped,
      cursors: this.cursors(),
      sourceCursors: Object.fromEntries(this.sources),
    };
  }

  close(): void {
    this.rows = [];
  }
}

function size(r: StoredEvent): number {
  return r.body.length + MEMORY_ROW_OVERHEAD_BYTES;
}

function matches(q: EventQuery, r: StoredEvent): boolean {
  const e = r.event;
  if (q.since !== undefined && e.lastSeen < q.since) return false;
  if (q.until !== undefined && e.firstSeen >= q.until) return false;
  if (q.device !== undefined && e.fs.device !== q.device) return false;
  if (q.kind !== undefined && e.kind !== q.kind) return false;
  if (q.fromOffset !== undefined && r.offset < q.fromOffset) return false;
  if (q.toOffset !== undefined && r.offset > q.toOffset) return false;
  return true;
}
