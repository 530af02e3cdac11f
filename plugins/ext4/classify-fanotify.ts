/**
 * A FAN_FS_ERROR event → an ext4 event draft. fanotify counts exactly (errors merged in the kernel
 * add to error_count) but says little: errno, the first failing inode and the pid.
 */
import type { ClassifyContext, EventDraft, FanotifyRecord } from '../../core/plugin-api';
import { emptyBlob, type Ext4Blob } from './blob';
import { errnoSubtypes } from './subtypes';

const FAN_FS_ERROR = 0x8000;
/** FILEID_INO32_GEN: le32 inode, le32 generation. */
const FILEID_INO32_GEN = 1;

export function classifyFanotify(rec: FanotifyRecord, ctx: ClassifyContext): EventDraft<Ext4Blob> | null {
  if ((rec.mask & FAN_FS_ERROR) === 0) return null; // FAN_Q_OVERFLOW is a loss, counted by the source
  const errno = Math.abs(rec.error); // ext4 <= 6.19 __ext4_std_error reports it negative
  const fid = decodeHandle(rec.handleType, rec.handle);
  const blob = emptyBlob('fanotify');
  blob.pid = rec.pid;
  blob.generation = fid?.generation ?? null;
  blob.lines = 0;
  blob.fanotifyEvents = 1;
  return {
    device: ctx.mountByFsid(rec.fsid)?.device ?? null,
    fsid: rec.fsid,
    errno,
    count: Math.max(1, rec.errorCount),
    timeUs: rec.readAtUs,
    source: 'fanotify',
    subtypes: errnoSubtypes(errno),
    // FILEID_INVALID (255) with no bytes: a superblock-level error, no inode.
    inode: fid?.inode ?? null,
    handleType: rec.handleType,
    handle: rec.handle,
    path: rec.path ?? null,
    pathError: rec.pathError ?? null,
    blob,
  };
}

/** ino + generation of an ext4 handle; null for FILEID_INVALID or a handle that is not ext4's. */
export function decodeHandle(type: number, hex: string): { inode: number; generation: number } | null {
  if (type !== FILEID_INO32_GEN || !/^[0-9a-fA-F]{16}$/.test(hex)) return null;
  const b = Buffer.from(hex, 'hex');
  return { inode: b.readUInt32LE(0), generation: b.readUInt32LE(4) };
}
