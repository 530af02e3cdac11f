/**
 * Merge key, blob merge and the died rule.
 *
 * Key: lane + errno + inode (0 for superblock-level). fanotify carries only errno and the inode of its
 * handle, so the key of a log line that fanotify also reports may use nothing else: the function,
 * line and message cannot be in it. Such lines share the `fs` lane with fanotify events, which is how
 * `EXT4-fs error ... inode #13 ...` (count 0) and FAN_FS_ERROR(117, ino 13) fuse into one event.
 * Lines fanotify never reports get a lane of their own message type, so a group-descriptor error or
 * a warning never hides inside an event fanotify counted.
 */
import type { FsEvent } from '../../core/plugin-api';
import { MAX_FUNCTIONS, type Ext4Blob, type Ext4MessageType } from './blob';
import { ESHUTDOWN } from './errno';

const FS_LANE: ReadonlySet<Ext4MessageType | null> = new Set(['fanotify', 'error', 'abort', 'std-error', null]);

export function mergeKey(e: Readonly<FsEvent<Ext4Blob>>): string {
  const type = e.blob?.messageType ?? null;
  const lane = FS_LANE.has(type) ? 'fs' : type;
  return `${lane}:${e.errno ?? '-'}:${e.inode ?? 0}`;
}

/**
 * The first event's detail stays (like ext4's s_first_error_*), gaps are filled from later ones (a
 * fanotify event that came first gets function, comm and message from its log line), counters add
 * up, and `functions` keeps at most MAX_FUNCTIONS distinct entries: bounded however many merge.
 */
export function mergeBlob(into: Ext4Blob, from: Readonly<Ext4Blob>): Ext4Blob {
  // Field by field on one shape (a flood merges millions of times): no key iteration, and the
  // functions list is copied only when it gains an entry.
  const out: Ext4Blob = {
    messageType: into.messageType === 'fanotify' && from.messageType !== 'fanotify' ? from.messageType : (into.messageType ?? from.messageType),
    function: into.function ?? from.function,
    line: into.line ?? from.line,
    inode: into.inode ?? from.inode,
    block: into.block ?? from.block,
    lblock: into.lblock ?? from.lblock,
    group: into.group ?? from.group,
    comm: into.comm ?? from.comm,
    pid: into.pid ?? from.pid,
    path: into.path ?? from.path,
    message: into.message ?? from.message,
    generation: into.generation ?? from.generation,
    journalInode: into.journalInode ?? from.journalInode,
    shutdownFlags: into.shutdownFlags ?? from.shutdownFlags,
    sector: into.sector ?? from.sector,
    operation: into.operation ?? from.operation,
    suppressedLines: into.suppressedLines !== null || from.suppressedLines !== null ? (into.suppressedLines ?? 0) + (from.suppressedLines ?? 0) : null,
    reportedErrors: into.reportedErrors ?? from.reportedErrors,
    errorTime: into.errorTime ?? from.errorTime,
    level: into.level ?? from.level,
    seq: into.seq ?? from.seq,
    lines: (into.lines ?? 0) + (from.lines ?? 0),
    fanotifyEvents: (into.fanotifyEvents ?? 0) + (from.fanotifyEvents ?? 0),
    functions: mergeFunctions(into.functions, from.functions),
  };
  return out;
}

/** Distinct entries, first MAX_FUNCTIONS; `into`'s own array when nothing new (never mutated). */
function mergeFunctions(into: readonly string[] | null, from: readonly string[] | null): string[] | null {
  if (from === null || from.length === 0) return into === null || into.length === 0 ? null : (into as string[]);
  let out: string[] | null = null;
  for (const f of from) {
    const cur = out ?? into ?? [];
    if (cur.length >= MAX_FUNCTIONS) break;
    if (cur.includes(f)) continue;
    out ??= [...(into ?? [])];
    out.push(f);
  }
  const r = out ?? into;
  return r === null || r.length === 0 ? null : (r as string[]);
}

/**
 * "And then we died": after these ext4 reports nothing more for the filesystem (no log line, no
 * fanotify event, no counter) until it is mounted again.
 */
export function terminal(e: Readonly<FsEvent<Ext4Blob>>): string | null {
  switch (e.blob?.messageType) {
    case 'abort':
    case 'jbd2-abort':
      return 'journal-abort';
    case 'remount-ro':
      return 'remount-ro'; // 6.15+: emergency_ro, the mount stays `rw` (recorded in ext4-remount-ro.jsonl)
    case 'emergency-ro':
      return 'remount-ro'; // the same death seen by the state probe (super option emergency_ro)
    case 'shutdown':
      return 'shutdown';
    case 'std-error':
      return e.blob.message === 'Journal has aborted' ? 'journal-abort' : null;
    default:
      return e.errno === ESHUTDOWN && e.sources.includes('fanotify') ? 'journal-abort' : null;
  }
}
