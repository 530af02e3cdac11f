/**
 * The few filesystem steps that make a finished file visible atomically and durably.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** fsync a directory so a rename / create inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p, fsyncing the parent of every directory it creates. */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      await fsp.stat(d);
      break;
    } catch {
      missing.unshift(d);
      if (path.dirname(d) === d) break;
    }
  }
  for (const d of missing) {
    await fsp.mkdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    await fsyncDir(path.dirname(d));
  }
}

/**
 * Move `from` to `to` in the same directory without ever replacing an existing `to` (a replaced
 * file would be lost events): a hard link fails with EEXIST instead. Filesystems without hard links
 * fall back to check-then-rename, which is safe with the single writer per host directory.
 * Returns false when `to` already exists.
 */
export async function renameNoClobber(from: string, to: string): Promise<boolean> {
  try {
    await fsp.link(from, to);
    await fsp.unlink(from);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  }
  try {
    await fsp.access(to);
    return false;
  } catch {
    await fsp.rename(from, to);
    return true;
  }
}
