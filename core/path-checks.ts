/**
 * Checks of the directories and files a command will write, made before anything starts, so a bad
 * path is one PATH_UNUSABLE line and exit 1 instead of a retry loop or a stack trace at the end of
 * the work. Also `makeDirs`: Node's `mkdirSync(dir, { recursive: true })` never returns for a path
 * under /proc (`/proc/nope`: mkdir says ENOENT, the parent exists, Node tries again forever), so
 * directories are created one component at a time and the first failure is reported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsfaultError } from './errors';

function unusable(what: string, p: string, why: string, fix: string, cause?: unknown): FsfaultError {
  return new FsfaultError('PATH_UNUSABLE', `${what} ${p} ${why}. Fix: ${fix}`, { details: { path: p }, ...(cause === undefined ? {} : { cause }) });
}

const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** The closest existing ancestor of `p` (p itself when it exists). */
function existingAncestor(p: string): { dir: string; st: fs.Stats } {
  for (let d = path.resolve(p); ; d = path.dirname(d)) {
    try {
      return { dir: d, st: fs.statSync(d) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || d === path.dirname(d)) throw unusable('the path', p, `cannot be examined (${errnoOf(e)})`, 'check the path and its parent directories', e);
    }
  }
}

function assertWritable(what: string, p: string, dir: string): void {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    const code = errnoOf(e);
    const why = code === 'EROFS' ? `is on a read-only filesystem (${dir})` : `cannot be written (${dir}: ${code})`;
    throw unusable(what, p, why, 'choose a writable place, or fix its permissions', e);
  }
}

/**
 * A directory fsfault will create files in: it is a writable directory, or it does not exist yet
 * and its closest existing ancestor is a writable directory (the writer creates the rest).
 */
export function assertWritableDir(what: string, dir: string): void {
  if (dir.trim() === '') throw new FsfaultError('CLI_BAD_ARGUMENT', `${what} must not be empty`);
  const { dir: found, st } = existingAncestor(dir);
  if (!st.isDirectory()) {
    const why = found === path.resolve(dir) ? 'is not a directory' : `cannot be created: ${found} is not a directory`;
    throw unusable(what, dir, why, 'give a directory path', undefined);
  }
  assertWritable(what, dir, found);
}

/**
 * A directory fsfault will write into, checked as above and then created (parents too): only
 * creating it shows some refusals (a path under /proc says ENOENT to mkdir although its parent
 * exists and looks writable to root).
 */
export function ensureWritableDir(what: string, dir: string): void {
  assertWritableDir(what, dir);
  try {
    makeDirs(dir, 0o777, false);
  } catch (e) {
    throw unusable(what, dir, `cannot be created (${errnoOf(e)})`, 'choose another directory, or create it yourself', e);
  }
}

/**
 * A file a command writes with a temporary name beside it and a rename: not a directory, in an
 * existing writable directory.
 */
export function assertOutputFile(what: string, file: string): void {
  if (file.trim() === '') throw new FsfaultError('CLI_BAD_ARGUMENT', `${what} must not be empty`);
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') {
      throw unusable(what, file, `cannot be examined (${errnoOf(e)})`, 'check the path', e);
    }
  }
  if (st?.isDirectory()) throw unusable(what, file, 'is a directory', `name a file (e.g. ${path.join(file, 'events.avro')})`);
  const parent = path.dirname(path.resolve(file));
  let pst: fs.Stats;
  try {
    pst = fs.statSync(parent);
  } catch (e) {
    throw unusable(what, file, `cannot be created: its directory ${parent} does not exist (${errnoOf(e)})`, `create it (mkdir -p ${parent}) or choose another path`, e);
  }
  if (!pst.isDirectory()) throw unusable(what, file, `cannot be created: ${parent} is not a directory`, 'choose another path');
  assertWritable(what, file, parent);
}

/** Wrap an fs error of writing `file` (EISDIR, ENOSPC at the rename …) as PATH_UNUSABLE naming it; others pass. */
export function writeError(what: string, file: string, e: unknown): unknown {
  if (e instanceof FsfaultError || typeof (e as NodeJS.ErrnoException)?.code !== 'string') return e;
  return unusable(what, file, `could not be written (${errnoOf(e)}: ${(e as Error).message})`, 'check the path, its permissions and free space', e);
}

/**
 * mkdir -p: directories it creates get `mode` less the umask, and `dir` itself exactly `mode` when
 * `exact`; the first failure is thrown as is.
 */
export function makeDirs(dir: string, mode: number, exact = true): void {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  for (let d = abs; ; d = path.dirname(d)) {
    if (fs.existsSync(d)) break;
    missing.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of missing) {
    fs.mkdirSync(d, { mode });
  }
  if (missing.length && exact) fs.chmodSync(abs, mode); // mkdir's mode is filtered by the umask
}
