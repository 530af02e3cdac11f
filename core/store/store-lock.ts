/**
 * One writer per store. Every process that writes a store (watch, replay --to kafka|avro) holds an
 * exclusive flock(2) on `<store>.lock` beside the database for as long as it has the store open.
 * The kernel drops the lock when the holder's file is closed or the process dies, SIGKILL
 * included, so a crash never leaves a stale lock behind. The holder writes its pid into the file
 * so a second writer can say who holds it. Readers (status, events, summary, report, export) never
 * take the lock: SQLite's WAL lets them read beside the writer.
 *
 * Why flock and not a pid file or a lock directory: those outlive a killed holder and need stale
 * detection (pid reuse makes that guesswork). Node has no flock binding; the one syscall lives in
 * the native addon (native/src/file_lock.cc) instead of a second compiled dependency.
 * The lock file is never deleted: unlinking it while another process waits on the old inode would
 * let two processes hold "the" lock at once.
 */
import * as fs from 'node:fs';
import { FsfaultError } from '../errors';
import { flockExclusive } from '../../native/index';

export const LOCK_SUFFIX = '.lock';

export interface StoreLock {
  readonly file: string;
  release(): void;
}

export function lockFileOf(storeFile: string): string {
  return `${storeFile}${LOCK_SUFFIX}`;
}

/** The pid a holder wrote into the lock file, or null (not written yet, or unreadable). */
export function lockHolderPid(lockFile: string): number | null {
  try {
    const text = fs.readFileSync(lockFile, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/**
 * Take the exclusive lock of the store `storeFile` or throw STORE_LOCKED naming the store and the
 * pid holding it. `doing` completes "cannot … :" in the message (e.g. 'write', 'replay --to kafka from').
 */
export function acquireStoreLock(storeFile: string, doing = 'write'): StoreLock {
  const file = lockFileOf(storeFile);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FsfaultError(code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'STORE_PERMISSIONS' : 'STORE_OPEN_FAILED', `cannot open the store's lock file ${file}: ${code ?? (e as Error).message}`, {
      cause: e,
      details: { path: file },
    });
  }
  let locked: boolean;
  try {
    locked = flockExclusive(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  if (!locked) {
    fs.closeSync(fd);
    const pid = lockHolderPid(file);
    throw new FsfaultError(
      'STORE_LOCKED',
      `cannot ${doing} the store ${storeFile}: another fsfault (${pid === null ? 'pid unknown' : `pid ${pid}`}) is writing it; one writer per store. ` +
        `Stop that process first, or use another --state-dir (read commands such as status and events work beside it)`,
      { details: { path: storeFile, lockFile: file, pid } },
    );
  }
  try {
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, `${process.pid}\n`, 0);
  } catch {
    // The pid is only for the message of a second writer; the lock itself is held.
  }
  let held = true;
  return {
    file,
    release: () => {
      if (!held) return;
      held = false;
      fs.closeSync(fd);
    },
  };
}
