/**
 * Kernel-log records → XFS event drafts. One failed read of a bad buffer logs a verifier line, two
 * advisory lines, a hex dump and a "metadata I/O error" line: only the verifier line is an event
 * (verifier reports are never ratelimited, the I/O error line is, 10 per 30 s); the rest is detail
 * that continuation.ts folds into it.
 */
import type { ClassifyContext, EventDraft, KmsgRecord, Subtype } from '../../core/plugin-api';
import type { XfsBlob } from './blob';
import { emptyBlob, MESSAGE_CAP } from './blob';
import { agOfDaddr, agOfInode, geometryOf } from './geometry';
import { flagNames, SHUTDOWN_FLAGS } from './health-flags';
import type { XfsLine } from './kmsg-lines';
import { parseXfsLine } from './kmsg-lines';
import { bufOpsType, ioFunctionType } from './metadata-types';

const EIO = 5;
const EBADMSG = 74; // EFSBADCRC
const EUCLEAN = 117; // EFSCORRUPTED

type Draft = EventDraft<XfsBlob>;

export function classifyKmsg(record: KmsgRecord, ctx: ClassifyContext): Draft | null {
  if (record.facility !== 0) return null; // written by a user process, not the kernel
  const line = parseXfsLine(record.text);
  if (!line) return null;
  return draftOf(line, record, ctx);
}

function draftOf(line: XfsLine, record: KmsgRecord, ctx: ClassifyContext): Draft | null {
  const base = (messageType: string, device: string | null, errno: number | null, subtypes: Subtype[]): Draft => ({
    device,
    errno,
    count: 1,
    timeUs: record.readAtUs,
    source: 'kmsg',
    subtypes,
    blob: emptyBlob(messageType, device),
  });
  const geometry = geometryOf(ctx, 'device' in line ? line.device : null);

  switch (line.kind) {
    case 'verifier': {
      const d = base('verifier', line.device, line.crc ? EBADMSG : EUCLEAN, line.crc ? ['metadata', 'checksum'] : ['metadata']);
      const b = d.blob;
      b.function = line.function;
      b.verifier = line.verifier;
      if (line.inode !== null) {
        // "inode 0x40083 dinode": the inode verifier, before any buffer is involved
        b.metadataType = 'inode';
        b.structure = line.part;
        setInode(d, line.inode);
        if (geometry) b.agno = agOfInode(geometry, line.inode);
      } else {
        const t = bufOpsType(line.ops!);
        b.metadataType = t.metadataType;
        b.readahead = t.readahead;
        b.structure = line.ops;
        setRange(b, line.daddr!, line.length ?? 0);
        if (geometry) b.agno = agOfDaddr(geometry, line.daddr!);
      }
      return d;
    }
    case 'io-error': {
      const subtypes: Subtype[] = line.errno === EUCLEAN ? ['metadata'] : line.errno === EBADMSG ? ['metadata', 'checksum'] : ['io'];
      const d = base('io-error', line.device, line.errno, subtypes);
      d.blob.function = line.function;
      d.blob.metadataType = ioFunctionType(line.function);
      setRange(d.blob, line.daddr, line.length);
      if (geometry) d.blob.agno = agOfDaddr(geometry, line.daddr);
      return d;
    }
    case 'shutdown': {
      const d = base('shutdown', line.device, null, shutdownSubtypes(line.flags));
      const b = d.blob;
      b.shutdownReason = line.reason;
      b.shutdownFlags = line.flags;
      b.shutdownFlagNames = flagNames(line.flags, SHUTDOWN_FLAGS);
      b.function = line.function;
      b.sourceFile = line.file;
      b.sourceLine = line.line;
      return d;
    }
    case 'internal': {
      // XFS_ERROR_REPORT/XFS_CORRUPTION_ERROR: the caller returns -EFSCORRUPTED
      const d = base('internal', line.device, EUCLEAN, ['internal']);
      d.blob.function = line.function;
      d.blob.sourceFile = line.file;
      d.blob.sourceLine = line.line;
      d.blob.message = line.tag.slice(0, MESSAGE_CAP);
      return d;
    }
    case 'free-inode': {
      const d = base('free-inode', line.device, EUCLEAN, ['metadata', 'allocation']);
      d.blob.metadataType = 'inode';
      d.blob.message = line.message.slice(0, MESSAGE_CAP);
      setInode(d, line.inode);
      if (geometry) d.blob.agno = agOfInode(geometry, line.inode);
      return d;
    }
    case 'write-failure': {
      // The line carries no errno (b_error is not printed); the I/O error line before it does.
      const d = base('write-failure', line.device, null, ['writeback', 'io']);
      d.blob.op = 'write';
      d.blob.permanent = line.permanent;
      setRange(d.blob, line.daddr, 0);
      if (geometry) d.blob.agno = agOfDaddr(geometry, line.daddr);
      return d;
    }
    case 'block-io': {
      // Only the block layer reports a failed XFS data read; claim the line only for XFS devices.
      if (ctx.mountByDevice(line.device)?.fsType !== 'xfs') return null;
      const d = base('block-io', line.device, blockStatusErrno(line.status), ['io']);
      d.blob.op = line.op;
      d.blob.message = line.status;
      setRange(d.blob, line.sector, line.sectors);
      if (geometry) d.blob.agno = agOfDaddr(geometry, line.sector);
      return d;
    }
    case 'suppressed': {
      // Ratelimited XFS buffer I/O reports that were never printed: errors nobody saw. The line names
      // no device (the ratelimit is per device, but the message is not), so neither can the event.
      const d = base('suppressed', null, null, ['io']);
      d.count = line.count;
      d.blob.message = line.what.slice(0, MESSAGE_CAP);
      return d;
    }
    case 'unknown': {
      const d = base('unknown', line.device, null, ['unknown']);
      d.blob.message = line.message.slice(0, MESSAGE_CAP);
      return d;
    }
    // Detail of the report before it (continuation.ts), or not an error at all. "User initiated
    // shutdown received." is always followed by the shutdown line, whose flags carry FORCE_UMOUNT.
    case 'dump-header':
    case 'hexdump':
    case 'advisory':
    case 'user-shutdown':
    case 'info':
      return null;
  }
}

function setInode(d: Draft, ino: number): void {
  d.inode = ino;
  d.blob.inode = ino;
  d.blob.inodes = [ino];
}

function setRange(b: XfsBlob, daddr: number, length: number): void {
  b.ranges = [{ daddr, length }];
  b.daddr = daddr;
  b.length = length;
}

function shutdownSubtypes(flags: number): Subtype[] {
  const s: Subtype[] = ['shutdown'];
  if (flags & 0x02) s.push('journal');
  if (flags & 0x01) s.push('io');
  if (flags & 0x18) s.push('metadata');
  return s;
}

/** blk_status_t texts (block/blk-core.c blk_errors[]) → errno; EIO for any other. */
const BLK_STATUS: Record<string, number> = {
  'beyond end of device': EIO,
  'I/O': EIO,
  'critical medium': 61, // ENODATA
  'critical space allocation': 28, // ENOSPC
  timeout: 110, // ETIMEDOUT
  'critical target': 121, // EREMOTEIO
  'recoverable transport': 67, // ENOLINK
  'critical nexus': 52, // EBADE
  protection: 84, // EILSEQ
  'kernel resource': 12, // ENOMEM
  'operation not supported': 95, // EOPNOTSUPP
};

function blockStatusErrno(status: string): number {
  return BLK_STATUS[status] ?? EIO;
}
