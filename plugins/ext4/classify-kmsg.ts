/**
 * A /dev/kmsg record → an ext4 event draft, or null when the line is not ext4's.
 *
 * Counting: fanotify counts every ext4 error exactly while the log is ratelimited, so when fanotify
 * watches the filesystem a line for an error fanotify also reports adds detail with count 0 (and the
 * same merge key, see merge.ts). Lines fanotify never reports count 1 either way. Lines that describe
 * a consequence of an error already counted, or remind of old ones, count 0 always.
 */
import type { ClassifyContext, EventDraft, KmsgRecord } from '../../core/plugin-api';
import { MAX_MESSAGE, type Ext4Blob, type Ext4MessageType } from './blob';
import { lineErrno } from './errno';
import { parseLine } from './kmsg-patterns';
import { lineSubtypes } from './subtypes';

export const EXT4_FS_TYPES: readonly string[] = ['ext4', 'ext3'];

/** __ext4_error*, __ext4_std_error and ext4_abort call fsnotify_sb_error(); nothing else does on 6.x. */
const FANOTIFY_REPORTED: ReadonlySet<Ext4MessageType> = new Set(['error', 'abort', 'std-error']);
/** jbd2 abort and remount-ro follow an error already reported; the others recall past errors. */
const NOT_AN_ERROR: ReadonlySet<Ext4MessageType> = new Set(['jbd2-abort', 'remount-ro', 'error-summary', 'suppressed']);
const ABORT_MESSAGES = /^(?:Abort forced by user|Detected aborted journal)$/;
/** KERN_NOTICE and quieter: mount, unmount, recovery and quota notices, not errors. */
const LOWEST_ERROR_LEVEL = 4;

export function classifyKmsg(rec: KmsgRecord, ctx: ClassifyContext): EventDraft<Ext4Blob> | null {
  if (rec.facility !== 0) return null; // written by a user process, not the kernel
  const p = parseLine(rec.text);
  if (p === null) return null;
  if (p.blockLayer && !isExt4Mount(p.device, ctx)) return null; // the disk may carry XFS, btrfs ...
  if ((p.type === 'unknown' || p.type === 'jbd2') && rec.level > LOWEST_ERROR_LEVEL) return null;

  const g = p.g;
  const type: Ext4MessageType = p.type === 'error' && ABORT_MESSAGES.test(g.message ?? '') ? 'abort' : p.type;
  const fn = g.function ?? null;
  const message = (g.message ?? rec.text.split('\n')[0]!).slice(0, MAX_MESSAGE);
  const inode = int(g.inode);
  const errno = lineErrno(type, fn, message, g.status);

  // One literal of the blob's full shape (no empty blob + Object.assign): a flood classifies
  // every line, and same-shaped objects keep the merge and the encoder on their fast paths.
  const blob: Ext4Blob = {
    messageType: type,
    function: fn,
    line: int(g.line),
    inode,
    block: int(g.block),
    lblock: int(g.lblock),
    group: int(g.group),
    comm: g.comm ?? null,
    pid: null,
    path: g.path ?? null,
    message,
    generation: null,
    journalInode: int(g.journal),
    shutdownFlags: type === 'shutdown' ? int(g.flags) : null,
    sector: int(g.sector),
    operation: g.operation ?? null,
    suppressedLines: type === 'suppressed' ? int(g.count) : null,
    reportedErrors: type === 'error-summary' ? int(g.count) : null,
    errorTime: int(g.time),
    level: rec.level,
    seq: rec.seq,
    lines: 1,
    fanotifyEvents: 0,
    functions: fn === null ? null : [`${fn}:${g.line}`],
  };

  const watched = p.device !== null && ctx.fanotifyWatched(p.device);
  const count = NOT_AN_ERROR.has(type) || (watched && FANOTIFY_REPORTED.has(type)) ? 0 : 1;
  return {
    device: p.device,
    errno,
    count,
    timeUs: rec.readAtUs,
    source: 'kmsg',
    subtypes: lineSubtypes(type, fn, message),
    inode,
    path: g.path ?? null,
    blob,
  };
}

function isExt4Mount(device: string | null, ctx: ClassifyContext): boolean {
  const m = device === null ? undefined : ctx.mountByDevice(device);
  return m !== undefined && EXT4_FS_TYPES.includes(m.fsType);
}

/** A decimal field; null when absent or beyond what an Avro long holds exactly (garbled line). */
function int(s: string | undefined): number | null {
  const n = s === undefined ? NaN : Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
