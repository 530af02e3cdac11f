/**
 * Which filesystem types send FAN_FS_ERROR on which kernel (kernel-error-sources.md 1.6). A mark is
 * accepted on any filesystem with file handles, so a successful mark proves nothing: on 6.18 an
 * XFS mark stays silent forever. Marking only where the kernel reports keeps the plugins' counting
 * rule honest (a log line counts 0 only when fanotify really counts that error).
 */
import * as os from 'node:os';

/** Filesystem type → first kernel version (major, minor) whose driver calls fsnotify on errors. */
export const FAN_FS_ERROR_SINCE: Readonly<Record<string, readonly [number, number]>> = {
  // 5.16: fsnotify_sb_error() from __ext4_error*, __ext4_std_error (ext3 is mounted by ext4).
  ext4: [5, 16],
  ext3: [5, 16],
  // 7.0: the fserror framework; XFS reports metadata errors, iomap reports file I/O errors.
  xfs: [7, 0],
};

export function kernelVersion(release = os.release()): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Does this kernel send FAN_FS_ERROR for filesystems of this type? */
export function fanotifyReportsErrors(fsType: string, release = os.release()): boolean {
  const since = FAN_FS_ERROR_SINCE[fsType];
  const v = kernelVersion(release);
  if (!since || !v) return false;
  return v[0] > since[0] || (v[0] === since[0] && v[1] >= since[1]);
}
