/**
 * The embedded event store: one SQLite file (WAL) per host. Every append is one BEGIN IMMEDIATE
 * transaction holding the events, the source cursors they advance, the retention it needed and the
 * projection rows it changed, so after a crash either all of it is there or none of it is.
 */
import { randomUUID } from 'node:crypto';
import { FsfaultError } from '../errors';
import { openSqlite, type SqlDatabase, type SqlStatement, type SqlValue } from '../edges/sqlite';
import type { FsEvent } from '../model/event';
import { emptyHost, emptyProjection, foldAll, foldEvent, type FsHealth, type HealthProjection, type HostTotals } from '../projections/fs-health';
import type { EventCodec } from '../schema/codec';
import { AppendWaiters } from './append-waiters';
import type { Durability, LocalStore, StoreInfo } from './local-store';
import { APPLICATION_ID, MIGRATIONS, STORE_VERSION } from './migrations';
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
import { damaged, notAStore, storeError } from './store-errors';
import { checkIndexSpace, prepareStateDir, prepareStoreFile, storeFile } from './store-layout';
import { acquireStoreLock, type StoreLock } from './store-lock';
import { StoredSchemas } from './stored-schemas';
import type { EventQuery, StoredEvent } from './types';

export interface SqliteStoreOptions {
  stateDir: string;
  host: string;
  readOnly?: boolean;
  /** The running schema's codec. Required for a writer; readers without it decode with each row's writer schema. */
  codec?: EventCodec | null;
  durability?: Durability;
  retention?: RetentionOptions;
  /** Run PRAGMA quick_check at open (default: writers yes, readers no — a reader hitting damage still gets STORE_CORRUPT). */
  quickCheck?: boolean;
  /** Clock in µs since the epoch (tests move it to exercise age retention). */
  nowUs?: () => number;
}

/** Bytes one row costs beyond its body (row header, columns, three index entries): for the size estimate only. */
const ROW_OVERHEAD_BYTES = 120;
const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;
/**
 * SQLite page cache per connection, KiB. better-sqlite3 builds SQLite with a 16 MB default
 * (DEFAULT_CACHE_SIZE=-16000), and the cache fills as the store grows: a long-running agent's RSS
 * then climbs by up to 16 MB with the number of events it has stored (bench/pipeline-flood: +1.2 MiB
 * of native memory per million flood lines, 1.20 × the 1M figure at 10M). The writer only appends
 * (the tail pages of the events table and its indexes) and readers scan forward, so SQLite's own
 * default of about 2 MB holds every hot page; README "Memory bounds".
 */
export const STORE_PAGE_CACHE_KIB = 2048;
const SYNCHRONOUS: Record<Durability, string> = { full: 'FULL', normal: 'NORMAL', off: 'OFF' };

interface EventRow {
  offset: number;
  stored_at: number;
  schema_fp: string;
  body: Buffer;
}

const EVENT_COLUMNS = 'offset, stored_at, schema_fp, body';

/**
 * Rows per page of scan(). A page is consumed within about one young-generation cycle, so its rows
 * are not promoted: a bench-flood event decodes with ~14 KB of allocation, 64 of them ~0.9 MiB,
 * against 1 MiB semi-spaces (measured: 64 and 128 rows keep the old generation flat, 256 do not).
 * The page's SELECT is an index seek, a few µs against ~14 µs per decoded row.
 */
const SCAN_PAGE = 64;

/**
 * The WHERE clause of a query. `rowidOrder` (scan pages) writes device and kind as `+column`, which
 * keeps SQLite on the rowid range: with their indexes it would sort every matching row for every
 * page, quadratic over small pages; the rowid walk reads each row once.
 */
function conditions(q: EventQuery, rowidOrder: boolean): { where: string[]; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const cond = (sql: string, v: SqlValue | undefined) => {
    if (v === undefined) return;
    where.push(sql);
    params.push(v);
  };
  const plus = rowidOrder ? '+' : '';
  cond('last_seen >= ?', q.since);
  cond('first_seen < ?', q.until);
  cond(`${plus}device = ?`, q.device);
  cond(`${plus}kind = ?`, q.kind);
  cond('offset >= ?', q.fromOffset);
  cond('offset <= ?', q.toOffset);
  return { where, params };
}

export class SqliteStore implements LocalStore {
  readonly file: string;
  private readonly db: SqlDatabase;
  private readonly schemas: StoredSchemas;
  private readonly waiters = new AppendWaiters();
  private readonly stmts = new Map<string, SqlStatement<unknown>>();
  private readonly nowUs: () => number;
  private readonly codec: EventCodec | null;
  readonly readOnly: boolean;
  readonly durability: Durability;
  readonly retention: RetentionOptions;
  private readonly host: string;
  /** The single-writer lock (writers only), released by close(). */
  private readonly lock: StoreLock | null;
  /** The last writer's settings (a reader's own options do not apply to the store). */
  private writerSettings: { durability: Durability; retention: RetentionOptions };

  static open(opts: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(opts);
  }

  private constructor(opts: SqliteStoreOptions) {
    this.readOnly = opts.readOnly ?? false;
    this.durability = opts.durability ?? 'full';
    this.retention = opts.retention ?? DEFAULT_RETENTION;
    this.writerSettings = { durability: this.durability, retention: this.retention };
    this.codec = opts.codec ?? null;
    this.host = opts.host;
    this.nowUs = opts.nowUs ?? (() => Date.now() * 1000);
    // A writer encodes appends and the LOST events of retention, so it needs the running schema.
    if (!this.readOnly && !this.codec) throw new FsfaultError('STORE_OPEN_FAILED', 'a writable store needs the event codec (pass codec, or open read-only)');
    prepareStateDir(opts.stateDir, !this.readOnly);
    this.file = storeFile(opts.stateDir, opts.host);
    // One writer per store, before the writer touches the file; readers never take it (WAL).
    this.lock = this.readOnly ? null : acquireStoreLock(this.file);
    try {
      prepareStoreFile(this.file, !this.readOnly);
      checkIndexSpace(opts.stateDir, this.file);
      try {
        this.db = openSqlite(this.file, { readonly: this.readOnly, fileMustExist: true });
      } catch (e) {
        throw storeError(e, this.file, 'open');
      }
      try {
        this.initialise(opts.quickCheck ?? !this.readOnly);
      } catch (e) {
        this.db.close();
        throw storeError(e, this.file, 'open');
      }
    } catch (e) {
      this.lock?.release();
      throw e;
    }
    this.schemas = new StoredSchemas(this.codec, (fp) => this.schemaText(fp), this.file);
    if (!this.readOnly && this.projectionsStale()) this.rebuildProjections();
  }

  /** A migration dropped the projection rows (their keys changed) and nobody has folded them again yet. */
  private projectionsStale(): boolean {
    return this.get<{ value: number }>("SELECT value FROM meta WHERE key = 'projections_rebuild'") !== undefined;
  }

  /** Check what the file is, bring it to STORE_VERSION, and register the running schema. */
  private initialise(quickCheck: boolean): void {
    const db = this.db;
    db.pragma(`cache_size = -${STORE_PAGE_CACHE_KIB}`);
    // The first read of page 1: a file that is not SQLite fails here with SQLITE_NOTADB.
    const appId = Number(db.pragma('application_id'));
    const version = Number(db.pragma('user_version'));
    const objects = Number(this.get<{ n: number }>('SELECT count(*) AS n FROM sqlite_schema')!.n);
    const fresh = appId === 0 && version === 0 && objects === 0;
    if (!fresh && appId !== APPLICATION_ID) throw notAStore(this.file, `SQLite application_id is ${appId}, not fsfault's ${APPLICATION_ID}`);
    if (version > STORE_VERSION) {
      throw new FsfaultError(
        'STORE_TOO_NEW',
        `the store ${this.file} was written by a newer fsfault (store version ${version}; this fsfault reads up to ${STORE_VERSION}); it has not been modified. ` +
          `Fix: upgrade fsfault, or move the file aside to start a new store with this version`,
        { details: { path: this.file, version, supported: STORE_VERSION } },
      );
    }
    if (quickCheck) {
      const rows = this.db.prepare<{ quick_check: string }>('PRAGMA quick_check(5)').all();
      const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
      if (problems.length) throw damaged(this.file, `integrity quick_check: ${problems.join('; ')}`);
    }
    if (this.readOnly) {
      if (version >= 1) {
        const w = this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'writer_settings'");
        if (w) this.writerSettings = JSON.parse(w.value) as typeof this.writerSettings;
      }
      if (version < STORE_VERSION) {
        throw new FsfaultError(
          'STORE_OPEN_FAILED',
          fresh
            ? `the store ${this.file} is empty (a writer created it but never finished initialising it); start fsfault watch to initialise it`
            : `the store ${this.file} has store version ${version}; fsfault watch migrates it to ${STORE_VERSION} when it starts, read-only commands do not`,
          { details: { path: this.file, version } },
        );
      }
      return;
    }
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${SYNCHRONOUS[this.durability]}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    if (version < STORE_VERSION) {
      db.immediate(() => {
        for (let v = version; v < STORE_VERSION; v++) db.exec(MIGRATIONS[v]!);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${STORE_VERSION}`);
      });
    }
    const s = this.codec!.schema;
    this.run('INSERT OR IGNORE INTO schemas (fingerprint, text, added_at) VALUES (?, ?, ?)', s.fingerprint, s.text, this.nowUs());
    // Readers in other processes (fsfault status) report the settings the writer runs with.
    const settings = JSON.stringify({ durability: this.durability, retention: this.retention });
    this.run("INSERT INTO meta (key, value) VALUES ('writer_settings', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", settings);
  }

  // ---- statements -------------------------------------------------------------------------------

  private stmt<Row>(sql: string): SqlStatement<Row> {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s as SqlStatement<Row>;
  }

  private get<Row>(sql: string, ...params: SqlValue[]): Row | undefined {
    return this.stmt<Row>(sql).get(...params);
  }

  private all<Row>(sql: string, ...params: SqlValue[]): Row[] {
    return this.stmt<Row>(sql).all(...params);
  }

  private run(sql: string, ...params: SqlValue[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  /** Reads map SQLite damage to STORE_CORRUPT naming the file. */
  private reading<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storeError(e, this.file, 'read');
    }
  }

  private writable(what: string): EventCodec {
    if (this.readOnly || !this.codec) throw new FsfaultError('STORE_OPEN_FAILED', `cannot ${what}: ${this.file} is open read-only`, { details: { path: this.file } });
    return this.codec;
  }

  // ---- the log ----------------------------------------------------------------------------------

  storeId(): string {
    return this.reading(() => String(this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'store_id'")!.value));
  }

  renewStoreId(reason: string): string {
    this.writable('renew the store identity');
    const id = randomUUID().replace(/-/g, '');
    try {
      this.db.immediate(() => {
        const old = this.storeId();
        const row = this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'store_id_history'");
        const history = row ? (JSON.parse(row.value) as unknown[]) : [];
        history.push({ id: old, untilOffset: this.headOffset(), renewedAtUs: this.nowUs(), reason });
        this.run("INSERT INTO meta (key, value) VALUES ('store_id_history', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify(history));
        this.run("UPDATE meta SET value = ? WHERE key = 'store_id'", id);
      });
    } catch (e) {
      throw storeError(e, this.file, 'renew the identity of');
    }
    return id;
  }

  headOffset(): number {
    return this.reading(() => Number(this.get<{ value: number }>("SELECT value FROM meta WHERE key = 'head_offset'")!.value));
  }

  private firstOffset(): number {
    const r = this.get<{ first: number | null }>('SELECT min(offset) AS first FROM events');
    return r?.first ?? this.headOffset() + 1;
  }

  append(events: readonly FsEvent[], sourceCursors?: Readonly<Record<string, string>>, encoded?: readonly (Buffer | null)[]): number[] {
    const codec = this.writable('append');
    // Encode first: an event that does not fit the schema fails before anything is written.
    const bodies = events.map((e, i) => encoded?.[i] ?? codec.encode(e));
    const fingerprint = codec.schema.fingerprint;
    let offsets: number[] = [];
    let head = 0;
    try {
      this.db.immediate(() => {
        const now = this.nowUs();
        let next = this.headOffset() + 1;
        const incoming = bodies.reduce((n, b) => n + b.length + ROW_OVERHEAD_BYTES, 0);
        const lost = this.retain(now, incoming);
        const projection = new ProjectionTx(this);
        const insert = (e: FsEvent, body: Buffer) => {
          this.run(
            'INSERT INTO events (offset, stored_at, first_seen, last_seen, kind, device, fs_type, errno, count, schema_fp, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
            next, now, e.firstSeen, e.lastSeen, e.kind, e.fs.device, e.fs.type, e.errno, e.count, fingerprint, body,
          );
          foldEvent(projection, next, e);
          return next++;
        };
        if (lost) insert(lost, codec.encode(lost));
        offsets = events.map((e, i) => insert(e, bodies[i]!));
        projection.save();
        for (const [name, value] of Object.entries(sourceCursors ?? {})) {
          this.run('INSERT INTO source_cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', name, value);
        }
        head = next - 1;
        this.run("UPDATE meta SET value = ? WHERE key = 'head_offset'", head);
      });
    } catch (e) {
      throw storeError(e, this.file, 'append to');
    }
    this.waiters.notify(head);
    return offsets;
  }

  /**
   * Make room for `incoming` bytes and apply age retention, inside the append transaction. Returns the
   * LOST event to append when unconfirmed rows had to go (drop-oldest), else null.
   */
  private retain(nowUs: number, incoming: number): FsEvent | null {
    const { maxBytes, maxAgeDays, policy } = this.retention;
    const head = this.headOffset();
    const confirmed = confirmedUpTo(this.cursors(), head);
    const dropped: DroppedRow[] = [];
    const removeBefore = (end: number) => {
      if (end > confirmed + 1) {
        dropped.push(
          ...this.all<{ device: string | null; errno: number | null; first_seen: number; last_seen: number }>(
            'SELECT device, errno, first_seen, last_seen FROM events WHERE offset > ? AND offset < ? ORDER BY offset',
            confirmed,
            end,
          ).map((r) => ({ device: r.device, errno: r.errno, firstSeen: r.first_seen, lastSeen: r.last_seen })),
        );
      }
      this.run('DELETE FROM events WHERE offset < ?', end);
    };

    // Age: the oldest rows first, as long as they are older than the cutoff.
    const cutoff = ageCutoffUs(nowUs, maxAgeDays);
    const ageLimit = policy === 'block' ? confirmed : head;
    let first = this.firstOffset();
    const oldest = this.get<{ stored_at: number }>('SELECT stored_at FROM events WHERE offset = ?', first);
    if (oldest && oldest.stored_at < cutoff && first <= ageLimit) {
      const window = Math.min(ageLimit + 1, first + MAX_DELETE_PER_APPEND);
      const young = this.get<{ o: number | null }>('SELECT min(offset) AS o FROM events WHERE offset >= ? AND offset < ? AND stored_at >= ?', first, window, cutoff);
      removeBefore(young?.o ?? window);
    }

    // Size: free the oldest rows until the append fits, confirmed ones first.
    const over = () => this.usedBytes() + incoming - maxBytes;
    const reclaim = (limit: number) => {
      for (let pass = 0, excess = over(); pass < 64 && excess > 0; pass++, excess = over()) {
        first = this.firstOffset();
        if (first > limit) return;
        const rows = head - first + 1;
        const perRow = Math.max(1, this.usedBytes() / Math.max(1, rows));
        const take = Math.min(limit - first + 1, MAX_DELETE_PER_APPEND, Math.max(16, Math.ceil((excess / perRow) * 1.1)));
        removeBefore(first + take);
      }
    };
    if (over() > 0) {
      reclaim(confirmed);
      if (over() > 0) {
        if (policy === 'block') throw storeFullError(this.file, this.usedBytes(), incoming, maxBytes, confirmed + 1);
        reclaim(head);
        // Still over with the log empty: the batch alone exceeds the budget. Store it anyway; refusing
        // would wedge the pipeline forever, and maxBytes is a budget, not a hard disk limit.
      }
    }
    if (dropped.length === 0) return null;
    this.run("UPDATE meta SET value = value + ? WHERE key = 'retention_dropped'", dropped.length);
    return retentionLostEvent(this.host, dropped, nowUs);
  }

  /** Pages in use × page size (prepared once: this runs on every append). */
  private usedBytes(): number {
    const pages = this.get<{ page_count: number }>('PRAGMA page_count')!.page_count - this.get<{ freelist_count: number }>('PRAGMA freelist_count')!.freelist_count;
    return pages * this.get<{ page_size: number }>('PRAGMA page_size')!.page_size;
  }

  enforceRetention(): number {
    this.writable('apply retention');
    const before = this.rowCount();
    // An empty append applies age retention (and records any drop) in its own transaction.
    this.append([]);
    return before - this.rowCount();
  }

  private rowCount(): number {
    return this.get<{ n: number }>('SELECT count(*) AS n FROM events')!.n;
  }

  private toStored(r: EventRow): StoredEvent {
    return { offset: r.offset, storedAt: r.stored_at, event: this.schemas.decode(r.body, r.schema_fp, r.offset), body: r.body, fingerprint: r.schema_fp };
  }

  readAfter(afterOffset: number, max: number): StoredEvent[] {
    return this.reading(() =>
      this.all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE offset > ? ORDER BY offset LIMIT ?`, afterOffset, max).map((r) => this.toStored(r)),
    );
  }

  query(q: EventQuery): StoredEvent[] {
    const { where, params } = conditions(q, false);
    params.push(q.limit ?? -1);
    const sql = `SELECT ${EVENT_COLUMNS} FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY offset LIMIT ?`;
    return this.reading(() => this.all<EventRow>(sql, ...params).map((r) => this.toStored(r)));
  }

  /**
   * Every event matching `q` (its limit applies to the total), in offset order, for the readers of a
   * whole history: `events`, `replay`, `summary`, `export`, `report`, the projection rebuild. Memory
   * stays flat however many rows are read. Why not pages of query(): a page of decoded events (each
   * with its body Buffer) is alive while it is processed, which outlasts the young generation (1 MiB
   * semi-spaces under the heap policy, core/heap-policy.ts), so every page was promoted and the old
   * generation grew by all the rows read until the policy's next full GC — up to the size of the
   * live heap again, plus the bodies' bytes outside it (README "Memory bounds").
   * Here a page is SCAN_PAGE rows, read whole and synchronously (no statement stays open across a
   * yield: an open iterator would block the writer's appends on this connection and pin a WAL
   * snapshot); each row is decoded only when the caller takes it and dropped from the page as it is
   * handed out, so a row, its body and its decoded event die young once the caller is done with them.
   */
  *scan(q: EventQuery = {}): Generator<StoredEvent> {
    const { where, params } = conditions({ ...q, fromOffset: undefined }, true);
    where.push('offset >= ?');
    const stmt = this.stmt<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY offset LIMIT ?`);
    let left = q.limit ?? Infinity;
    let from = q.fromOffset ?? 1;
    while (left > 0) {
      const want = Math.min(SCAN_PAGE, left);
      const page: (EventRow | undefined)[] = this.reading(() => stmt.all(...params, from, want));
      const n = page.length;
      if (n === 0) return;
      from = page[n - 1]!.offset + 1;
      for (let i = 0; i < n; i++) {
        const r = page[i]!;
        page[i] = undefined;
        yield this.toStored(r);
      }
      if (n < want) return;
      left -= n;
    }
  }

  waitForAppend(afterOffset: number, signal?: AbortSignal): Promise<void> {
    return this.waiters.wait(afterOffset, this.headOffset(), signal);
  }

  // ---- cursors ----------------------------------------------------------------------------------

  cursor(name: string): number {
    return this.reading(() => {
      // A writer registers the cursor on first sight, so retention keeps what it has not confirmed yet.
      if (!this.readOnly) this.run('INSERT OR IGNORE INTO connector_cursors (name, offset, updated_at) VALUES (?, 0, ?)', name, this.nowUs());
      return this.get<{ offset: number }>('SELECT offset FROM connector_cursors WHERE name = ?', name)?.offset ?? 0;
    });
  }

  commit(name: string, offset: number): void {
    this.writable(`commit cursor '${name}'`);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`cursor '${name}': commit offset ${offset} is not a non-negative integer`);
    try {
      this.db.immediate(() => {
        const head = this.headOffset();
        if (offset > head) throw new RangeError(`cursor '${name}': cannot commit offset ${offset} beyond the head of the log (${head})`);
        this.run(
          'INSERT INTO connector_cursors (name, offset, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET offset = max(offset, excluded.offset), updated_at = excluded.updated_at',
          name, offset, this.nowUs(),
        );
      });
    } catch (e) {
      throw storeError(e, this.file, 'commit a cursor in');
    }
  }

  cursors(): Record<string, number> {
    return this.reading(() => Object.fromEntries(this.all<{ name: string; offset: number }>('SELECT name, offset FROM connector_cursors ORDER BY name').map((r) => [r.name, r.offset])));
  }

  sourceCursor(name: string): string | null {
    return this.reading(() => this.get<{ value: string }>('SELECT value FROM source_cursors WHERE name = ?', name)?.value ?? null);
  }

  private sourceCursors(): Record<string, string> {
    return Object.fromEntries(this.all<{ name: string; value: string }>('SELECT name, value FROM source_cursors ORDER BY name').map((r) => [r.name, r.value]));
  }

  schemaText(fingerprint: string): string | null {
    return this.reading(() => this.get<{ text: string }>('SELECT text FROM schemas WHERE fingerprint = ?', fingerprint)?.text ?? null);
  }

  // ---- projections ------------------------------------------------------------------------------

  /** Projection JSON rows, for ProjectionTx. */
  loadProjection(name: string): string | null {
    return this.get<{ json: string }>('SELECT json FROM projections WHERE name = ?', name)?.json ?? null;
  }

  saveProjection(name: string, json: string): void {
    this.run('INSERT INTO projections (name, json) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET json = excluded.json', name, json);
  }

  health(): HealthProjection {
    if (this.projectionsStale()) return this.projectFromLog();
    return this.reading(() => {
      const p = emptyProjection();
      for (const r of this.all<{ name: string; json: string }>('SELECT name, json FROM projections ORDER BY name')) {
        if (r.name === HOST_ROW) p.host = JSON.parse(r.json) as HostTotals;
        else if (r.name.startsWith(FS_ROW)) p.filesystems.set(r.name.slice(FS_ROW.length), JSON.parse(r.json) as FsHealth);
      }
      return p;
    });
  }

  projectFromLog(): HealthProjection {
    return foldAll(this.scan(), emptyProjection());
  }

  rebuildProjections(): HealthProjection {
    this.writable('rebuild projections');
    try {
      return this.db.immediate(() => {
        const p = this.projectFromLog();
        this.run('DELETE FROM projections');
        this.run("DELETE FROM meta WHERE key = 'projections_rebuild'");
        this.saveProjection(HOST_ROW, JSON.stringify(p.host));
        for (const h of p.filesystems.values()) this.saveProjection(FS_ROW + h.key, JSON.stringify(h));
        return p;
      });
    } catch (e) {
      throw storeError(e, this.file, 'rebuild projections in');
    }
  }

  info(): StoreInfo {
    return this.reading(() => {
      const head = this.headOffset();
      return {
        file: this.file,
        storeId: this.storeId(),
        version: Number(this.db.pragma('user_version')),
        readOnly: this.readOnly,
        headOffset: head,
        firstOffset: this.firstOffset(),
        rows: this.rowCount(),
        usedBytes: this.usedBytes(),
        durability: this.writerSettings.durability,
        retention: this.writerSettings.retention,
        retentionDropped: Number(this.get<{ value: number }>("SELECT value FROM meta WHERE key = 'retention_dropped'")!.value),
        cursors: this.cursors(),
        sourceCursors: this.sourceCursors(),
      };
    });
  }

  /** PRAGMA quick_check result lines ('ok' when sound). */
  quickCheck(): string[] {
    return this.reading(() => this.db.prepare<{ quick_check: string }>('PRAGMA quick_check').all().map((r) => r.quick_check));
  }

  close(): void {
    this.stmts.clear();
    try {
      this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}

const HOST_ROW = 'host';
const FS_ROW = 'fs:';

/** The projection rows one append touches: loaded on first use, written back before commit. */
class ProjectionTx {
  private readonly touched = new Map<string, FsHealth>();
  readonly host: HostTotals;

  constructor(private readonly store: SqliteStore) {
    const h = store.loadProjection(HOST_ROW);
    this.host = h ? (JSON.parse(h) as HostTotals) : emptyHost();
  }

  get(key: string): FsHealth | undefined {
    const cached = this.touched.get(key);
    if (cached) return cached;
    const json = this.store.loadProjection(FS_ROW + key);
    return json ? (JSON.parse(json) as FsHealth) : undefined;
  }

  set(h: FsHealth): void {
    this.touched.set(h.key, h);
  }

  save(): void {
    this.store.saveProjection(HOST_ROW, JSON.stringify(this.host));
    for (const h of this.touched.values()) this.store.saveProjection(FS_ROW + h.key, JSON.stringify(h));
  }
}
