/**
 * Which filesystem an event is about, for everything kept per filesystem beyond one process (the
 * health projection and `status`, `summary`, `report`). Device names are labels, not identities:
 * the kernel reuses them (`loop0` for the next image, nvme names after a replug), so keying by
 * device mixes unrelated filesystems. The rule (README "Filesystem identity"):
 *
 * 1. the filesystem uuid (`blkid`; ext4 and XFS have one), the same on every mount and every boot;
 * 2. else the statfs fsid fanotify reports (unique among mounted superblocks, but XFS derives it from
 *    the device number, which is why it comes second);
 * 3. else the device plus the kernel's never-reused mount id (Linux 6.8+);
 * 4. else only the device is known (a kernel-log line for a device fsfault never saw mounted):
 *    the identity is **unknown**, and the key says so rather than guessing.
 *
 * (core/model/fs-key.ts is the queue's key inside one process, where a device is not reused between
 * two reads of the mount table; it does not outlive the process.)
 */
import type { FsIdentity } from './event';

export type IdentityBasis = 'uuid' | 'fsid' | 'mount' | 'unknown';

/** What the rule reads (records of other writers may lack the mount id). */
export type IdentityFields = Pick<FsIdentity, 'type' | 'uuid' | 'fsid' | 'device' | 'majorMinor'> & { mountUid?: number | null };

/** Which rule identifies `fs`. */
export function identityBasis(fs: Omit<IdentityFields, 'type' | 'majorMinor'>): IdentityBasis {
  if (fs.uuid) return 'uuid';
  if (fs.fsid) return 'fsid';
  if (fs.device && fs.mountUid !== undefined && fs.mountUid !== null) return 'mount';
  return 'unknown';
}

/** The key of `fs` per the rule above: `uuid:…`, `fsid:…`, `mount:<device>@<id>`, `device:<device>` (unknown). */
export function identityKey(fs: IdentityFields): string {
  switch (identityBasis(fs)) {
    case 'uuid':
      return `uuid:${fs.uuid}`;
    case 'fsid':
      return `fsid:${fs.fsid}`;
    case 'mount':
      return `mount:${fs.device}@${fs.mountUid}`;
    default:
      return `device:${fs.device ?? fs.majorMinor ?? `?${fs.type}`}`;
  }
}
