/**
 * SQLite failures → FsfaultErrors that name the store file and say what to do. Every message
 * promises what fsfault did NOT do: it never truncates, recreates or "repairs" a store on its own.
 */
import { FsfaultError } from '../errors';
import { sqliteCode } from '../edges/sqlite';

const untouched = 'fsfault has not modified it';

export function notAStore(file: string, why: string): FsfaultError {
  return new FsfaultError(
    'STORE_CORRUPT',
    `${file} is not an fsfault store (${why}); ${untouched}. Fix: move it aside (mv ${file} ${file}.bad) and fsfault starts a new store, or point --state-dir elsewhere`,
    { details: { path: file } },
  );
}

export function damaged(file: string, why: string): FsfaultError {
  return new FsfaultError(
    'STORE_CORRUPT',
    `the store ${file} is damaged (${why}); ${untouched}. Fix: stop fsfault, keep a copy, try 'sqlite3 ${file} .recover > recovered.sql'; ` +
      `then move the file aside (mv ${file} ${file}.bad) to start a new store`,
    { details: { path: file } },
  );
}

/** Map an error thrown while opening or using the store; errors that are not SQLite's pass through. */
export function storeError(e: unknown, file: string, doing: string): unknown {
  const code = sqliteCode(e);
  if (code === null) return e;
  const msg = (e as Error).message;
  if (code === 'SQLITE_FULL') {
    // SQLite rolled the transaction back: nothing of this append was stored, everything before it is.
    return new FsfaultError('STORE_FULL', `the disk holding ${file} is full while ${doing} (${code}: ${msg}); the append was rolled back and can be retried once space is freed`, {
      cause: e,
      retriable: true,
      details: { path: file, sqlite: code },
    });
  }
  if (code === 'SQLITE_NOTADB') return Object.assign(notAStore(file, msg), { cause: e });
  if (code.startsWith('SQLITE_CORRUPT')) return Object.assign(damaged(file, msg), { cause: e });
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new FsfaultError('STORE_PERMISSIONS', `cannot ${doing} ${file} (${code}: ${msg}). Fix: check that the state directory and the store's files (.db, -wal, -shm) belong to the user fsfault runs as`, {
      cause: e,
      details: { path: file, sqlite: code },
    });
  }
  // I/O errors of the disk under the store and the like: nothing of the failed transaction was stored.
  return new FsfaultError('STORE_OPEN_FAILED', `${doing} ${file} failed (${code}: ${msg})`, { cause: e, retriable: code.startsWith('SQLITE_IOERR') || code === 'SQLITE_BUSY', details: { path: file, sqlite: code } });
}
