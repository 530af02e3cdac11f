/**
 * FAN_FS_ERROR on XFS: Linux 7.0+ only (fserror: "xfs: report fs metadata errors via fsnotify",
 * plus iomap file I/O errors). On 6.x the mark is accepted and no event ever comes, so this is
 * classified from constructed records only (kernel-error-sources.md 1.2, 1.6).
 *
 * XFS file handles: type 0x81 = FILEID_INO32_GEN | XFS_FILEID_TYPE_64FLAG, `le64 ino, le32 gen`
 * (0x82 adds the parent); without 64-bit inodes (inode32) type 1/2, `le32 ino, le32 gen`.
 * 255 (FILEID_INVALID) with no bytes is a superblock-level error.
 */
import type { ClassifyContext, EventDraft, FanotifyRecord, Subtype } from '../../core/plugin-api';
import type { XfsBlob } from './blob';
import { emptyBlob } from './blob';
import { agOfInode, geometryOf } from './geometry';

const FAN_FS_ERROR = 0x8000;

export function handleInode(handleType: number, handle: string): number | null {
  const bytes = Buffer.from(handle, 'hex');
  if ((handleType === 0x81 || handleType === 0x82) && bytes.length >= 12) return Number(bytes.readBigUInt64LE(0));
  if ((handleType === 1 || handleType === 2) && bytes.length >= 8) return bytes.readUInt32LE(0);
  return null;
}

function subtypesOf(errno: number, hasInode: boolean): Subtype[] {
  switch (errno) {
    case 117:
      return ['metadata'];
    case 74:
      return ['metadata', 'checksum'];
    case 108:
      return ['shutdown'];
    case 5:
      // 7.0 reports file I/O errors with the file's handle; without one it is metadata I/O
      return hasInode ? ['data', 'io'] : ['io'];
    default:
      return ['unknown'];
  }
}

export function classifyFanotify(r: FanotifyRecord, ctx: ClassifyContext): EventDraft<XfsBlob> | null {
  // FAN_Q_OVERFLOW is a loss the core accounts for itself.
  if (!(r.mask & FAN_FS_ERROR)) return null;
  const device = ctx.mountByFsid(r.fsid)?.device ?? null;
  const errno = Math.abs(r.error);
  const ino = handleInode(r.handleType, r.handle);
  const blob = emptyBlob(errno === 108 ? 'shutdown' : 'fanotify', device);
  if (ino !== null) {
    blob.inode = ino;
    blob.inodes = [ino];
    const g = geometryOf(ctx, device);
    if (g) blob.agno = agOfInode(g, ino);
  }
  return {
    device,
    fsid: r.fsid,
    errno,
    count: Math.max(1, r.errorCount),
    timeUs: r.readAtUs,
    source: 'fanotify',
    subtypes: subtypesOf(errno, ino !== null),
    inode: ino,
    handleType: r.handleType,
    handle: r.handle,
    path: r.path ?? null,
    pathError: r.pathError ?? null,
    blob,
  };
}
