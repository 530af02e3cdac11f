/**
 * Where the store lives and who may touch it. One SQLite file per host, `<stateDir>/<host>.fsfault.db`,
 * in a directory only its owner may write (0700) and a file only its owner may read (0600): the log
 * is the source of truth for what was reported, so nobody else may replace or edit it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsfaultError } from '../errors';
import { makeDirs } from '../path-checks';

export const DB_SUFFIX = '.fsfault.db';

/** The store file of a host. Characters a host name may carry that a file name should not become `_`. */
export function storeFile(stateDir: string, host: string): string {
  return path.join(stateDir, `${host.replace(/[^A-Za-z0-9._-]/g, '_')}${DB_SUFFIX}`);
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Check (and for a writer create) the state directory. A group/world-writable directory is refused:
 * anyone who can write it can swap the store file under fsfault.
 */
export function prepareStateDir(dir: string, writable: boolean): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && writable) {
      try {
        makeDirs(dir, 0o700);
      } catch (e2) {
        throw permissionsOr(e2, `cannot create the state directory ${dir}`, `create it (mkdir -m 700 ${dir}) or choose another --state-dir`);
      }
      return;
    }
    if (code === 'ENOENT') {
      throw new FsfaultError('STORE_OPEN_FAILED', `no store: the state directory ${dir} does not exist (fsfault watch creates it; check --state-dir / stateDir)`, {
        details: { path: dir },
      });
    }
    throw permissionsOr(e, `cannot examine the state directory ${dir}`, 'check the path and its parent directories');
  }
  if (!st.isDirectory()) {
    throw new FsfaultError('STORE_OPEN_FAILED', `the state directory ${dir} is not a directory; choose another --state-dir / stateDir`, { details: { path: dir } });
  }
  if (st.mode & 0o022) {
    throw new FsfaultError(
      'STORE_PERMISSIONS',
      `the state directory ${dir} is group- or world-writable (mode ${octal(st.mode)}): anyone could replace the event store. Fix: chmod 700 ${dir}`,
      { details: { path: dir, mode: octal(st.mode) } },
    );
  }
}

/**
 * Check the store file before SQLite opens it, and for a writer create it 0600 so SQLite (which gives
 * its -wal and -shm files the database file's mode) never makes a readable copy of the log.
 * Returns whether the file existed.
 */
export function prepareStoreFile(file: string, writable: boolean): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw permissionsOr(e, `cannot examine the store ${file}`, 'check its permissions');
    if (!writable) {
      throw new FsfaultError('STORE_OPEN_FAILED', `no store at ${file} (fsfault watch creates it; check --state-dir / stateDir and the host name)`, {
        details: { path: file },
      });
    }
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR, 0o600));
    } catch (e2) {
      throw permissionsOr(e2, `cannot create the store ${file}`, 'check the state directory permissions');
    }
    return false;
  }
  if (!st.isFile()) throw new FsfaultError('STORE_OPEN_FAILED', `the store path ${file} is not a regular file; move it aside`, { details: { path: file } });
  if (st.mode & 0o022) {
    throw new FsfaultError(
      'STORE_PERMISSIONS',
      `the store ${file} is group- or world-writable (mode ${octal(st.mode)}): anyone could rewrite the event history. Fix: chmod 600 ${file}`,
      { details: { path: file, mode: octal(st.mode) } },
    );
  }
  try {
    fs.accessSync(file, writable ? fs.constants.R_OK | fs.constants.W_OK : fs.constants.R_OK);
  } catch (e) {
    const uid = process.getuid?.();
    throw permissionsOr(
      e,
      `the store ${file} is not ${writable ? 'readable and writable' : 'readable'} by uid ${uid} (owner uid ${st.uid}, mode ${octal(st.mode)})`,
      `run fsfault as the owner (or root), or chown the state directory and its files to the user fsfault runs as`,
    );
  }
  return true;
}

/** The memory page size SQLite maps its -shm file with (x86_64, most arm64 kernels). */
const SHM_PAGE_BYTES = 4096;
/** Free space below which opening on a small-block filesystem is refused; the -shm index needs 32 KiB at most for our WAL size, with margin. */
const SHM_MIN_FREE_BYTES = 256 * 1024;

/**
 * SQLite maps the -shm index and rebuilds it when the first connection opens, after extending the
 * file by writing one byte per memory page. On a filesystem with blocks smaller than a page that
 * leaves holes, and when the disk is full, storing into a hole through the mapping kills the process
 * with SIGBUS instead of returning an error. So on such a filesystem, refuse to open a nearly full
 * store with STORE_FULL. (Filesystems with 4 KiB blocks, the usual case, allocate the whole page.)
 */
export function checkIndexSpace(dir: string, file: string): void {
  const st = fs.statfsSync(dir);
  // bavail, not bfree: ext4 counts blocks it reserves for its own metadata as free, and a store
  // write cannot use them even as root. Counting root's reserve out as well errs on the safe side.
  const free = st.bavail * st.bsize;
  if (st.bsize >= SHM_PAGE_BYTES || free >= SHM_MIN_FREE_BYTES) return;
  throw new FsfaultError(
    'STORE_FULL',
    `the filesystem holding ${file} is full (${free} bytes free, ${st.bsize}-byte blocks): SQLite cannot safely open the store's shared-memory index on it. ` +
      `Fix: free space there (fsfault keeps its cursors, so nothing confirmed is lost), and prefer a filesystem with 4 KiB blocks for the state directory`,
    { retriable: true, details: { path: file, freeBytes: free, blockSize: st.bsize } },
  );
}

function permissionsOr(e: unknown, what: string, fix: string): FsfaultError {
  const code = (e as NodeJS.ErrnoException).code;
  const perm = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
  return new FsfaultError(perm ? 'STORE_PERMISSIONS' : 'STORE_OPEN_FAILED', `${what}: ${code ?? (e as Error).message}. Fix: ${fix}`, { cause: e });
}
