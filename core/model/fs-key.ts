import type { FsIdentity } from './event';

/**
 * The key that says "same filesystem" inside the core (queue merge scope, death state, per-fs bound).
 *
 * Order of preference, most to least specific:
 * - fsid: the statfs f_fsid fanotify reports; it names one superblock, so two mounts of the same
 *   filesystem share it and two filesystems never do.
 * - majorMinor: the superblock's device number, unique while mounted, when statfs failed.
 * - device: the kernel short name (`loop0`) when the kernel log line is all we know.
 * - type: last resort; it lumps unknown filesystems of one type together, which is still better
 *   than keying by nothing.
 *
 * Returning the field itself (no prefix, no concatenation) keeps it allocation-free on the push path;
 * the forms cannot collide in practice (16 hex digits, `M:m`, a device name, a type name). When the
 * identity is only partly known, events of one filesystem may get two keys: they then fail to merge,
 * which costs space, never correctness.
 */
export function fsKey(fs: FsIdentity): string {
  return fs.fsid ?? fs.majorMinor ?? fs.device ?? fs.type;
}
