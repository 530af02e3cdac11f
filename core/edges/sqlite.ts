/**
 * The better-sqlite3 edge: the only file that imports better-sqlite3. The store sees SqlDatabase,
 * a small synchronous interface, so the SQLite binding can be swapped without touching the store.
 */
import Database from 'better-sqlite3';
import { abiBuildFile } from '../../native/abi-build';

export type SqlValue = number | bigint | string | Buffer | null;

export interface SqlRunResult {
  changes: number;
}

export interface SqlStatement<Row> {
  run(...params: SqlValue[]): SqlRunResult;
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
}

export interface SqlDatabase {
  readonly file: string;
  readonly readonly: boolean;
  exec(sql: string): void;
  prepare<Row = Record<string, SqlValue>>(sql: string): SqlStatement<Row>;
  /** A pragma's single value (`PRAGMA x` or `PRAGMA x = v`). */
  pragma(source: string): SqlValue;
  /** Run `fn` in a BEGIN IMMEDIATE transaction: committed when it returns, rolled back when it throws. */
  immediate<T>(fn: () => T): T;
  close(): void;
}

/** The SQLite result code of an error thrown by the binding (`SQLITE_FULL` ...), or null for other errors. */
export function sqliteCode(e: unknown): string | null {
  if (e instanceof Database.SqliteError) return e.code;
  return null;
}

export function openSqlite(file: string, opts: { readonly?: boolean; fileMustExist?: boolean; busyTimeoutMs?: number } = {}): SqlDatabase {
  // A second Node on the same clone (CI's Node 24) has its own better-sqlite3 build; else the package's own.
  const nativeBinding = abiBuildFile('better_sqlite3.node') ?? undefined;
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.fileMustExist ?? false, timeout: opts.busyTimeoutMs ?? 5000, nativeBinding });
  // Integers come back as JS numbers: offsets and µs timestamps stay below 2^53.
  return {
    file,
    readonly: opts.readonly ?? false,
    exec: (sql) => {
      db.exec(sql);
    },
    prepare: <Row>(sql: string) => db.prepare(sql) as unknown as SqlStatement<Row>,
    pragma: (source) => db.pragma(source, { simple: true }) as SqlValue,
    immediate: <T>(fn: () => T) => db.transaction(fn).immediate(),
    close: () => {
      db.close();
    },
  };
}
