/**
 * The report's scratch space: an anonymous SQLite database on disk (deleted when closed) that holds
 * what a streaming fold cannot keep in bounded memory — the time of every error (the timeline's
 * range and the rising windows are only known once the newest event has been read) and, when
 * several inputs are read, every event id seen (an export and the store it came from hold the same
 * events; each counts once). SQLite's page cache bounds the memory; the rest spills to the temp dir.
 */
import { openSqlite, type SqlDatabase, type SqlStatement } from '../edges/sqlite';

/** Rows written per transaction. */
const BATCH = 10_000;
/** Page cache of the scratch database, KiB (SQLite's negative cache_size). */
const CACHE_KIB = 32 * 1024;

export class ReportScratch {
  private readonly db: SqlDatabase;
  private readonly insertId: SqlStatement<unknown>;
  private readonly insertError: SqlStatement<unknown>;
  private open = 0;

  constructor() {
    // '' = an anonymous temporary database on disk (better-sqlite3 / SQLite), removed on close.
    this.db = openSqlite('');
    this.db.pragma(`cache_size = -${CACHE_KIB}`);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(`
      CREATE TABLE seen (id TEXT PRIMARY KEY) WITHOUT ROWID;
      CREATE TABLE errors (fs TEXT NOT NULL, t INTEGER NOT NULL, n INTEGER NOT NULL);
    `);
    this.insertId = this.db.prepare('INSERT OR IGNORE INTO seen (id) VALUES (?)');
    this.insertError = this.db.prepare('INSERT INTO errors (fs, t, n) VALUES (?, ?, ?)');
  }

  /** Writes are grouped in transactions of BATCH rows (one per row would fsync-free but still be slow). */
  private write(): void {
    if (this.open === 0) this.db.exec('BEGIN');
    if (++this.open >= BATCH) this.commit();
  }

  private commit(): void {
    if (this.open === 0) return;
    this.db.exec('COMMIT');
    this.open = 0;
  }

  /** True the first time `id` is offered. */
  firstSighting(id: string): boolean {
    this.write();
    return this.insertId.run(id).changes === 1;
  }

  addError(fs: string, firstSeen: number, count: number): void {
    this.write();
    this.insertError.run(fs, firstSeen, count);
  }

  errorTimeRange(): { lo: number; hi: number } | null {
    this.commit();
    const r = this.db.prepare<{ lo: number | null; hi: number | null }>('SELECT min(t) AS lo, max(t) AS hi FROM errors').get();
    return r && r.lo !== null && r.hi !== null ? { lo: r.lo, hi: r.hi } : null;
  }

  /** Error counts per filesystem and bucket index ((t - start) / bucketUs). */
  errorsPerBucket(start: number, bucketUs: number): { fs: string; bucket: number; count: number }[] {
    this.commit();
    return this.db
      .prepare<{ fs: string; bucket: number; count: number }>('SELECT fs, CAST((t - ?) / ? AS INTEGER) AS bucket, sum(n) AS count FROM errors GROUP BY fs, bucket')
      .all(start, bucketUs);
  }

  /** Per filesystem: errors with firstSeen in [mid, end) (`last`) and in [from, mid) (`previous`), for those with any in [mid, end). */
  windows(from: number, mid: number, end: number): { fs: string; last: number; previous: number }[] {
    this.commit();
    return this.db
      .prepare<{ fs: string; last: number; previous: number }>(
        `SELECT fs, sum(CASE WHEN t >= ? THEN n ELSE 0 END) AS last, sum(CASE WHEN t < ? THEN n ELSE 0 END) AS previous
         FROM errors WHERE t >= ? AND t < ? GROUP BY fs HAVING last > 0 ORDER BY fs`,
      )
      .all(mid, mid, from, end);
  }

  close(): void {
    this.db.close();
  }
}
