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
  const out: Ext4Blob = { ...into };
  if (out.messageType === 'fanotify' && from.messageType !== 'fanotify') out.messageType = from.messageType;
  for (const k of Object.keys(from) as (keyof Ext4Blob)[]) {
    if (k === 'lines' || k === 'fanotifyEvents' || k === 'functions' || k === 'suppressedLines') continue;
    if (out[k] === null || out[k] === undefined) out[k] = from[k];
  }
  out.lines = (into.lines ?? 0) + (from.lines ?? 0);
  out.fanotifyEvents = (into.fanotifyEvents ?? 0) + (from.fanotifyEvents ?? 0);
  if (into.suppressedLines !== null || from.suppressedLines !== null) out.suppressedLines = (into.suppressedLines ?? 0) + (from.suppressedLines ?? 0);
  const fns = [...(into.functions ?? [])];
  for (const f of from.functions ?? []) if (fns.length < MAX_FUNCTIONS && !fns.includes(f)) fns.push(f);
  out.functions = fns.length === 0 ? null : fns;
  return out;
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
    case 'shutdown':
      return 'shutdown';
    case 'std-error':
      return e.blob.message === 'Journal has aborted' ? 'journal-abort' : null;
    default:
      return e.errno === ESHUTDOWN && e.sources.includes('fanotify') ? 'journal-abort' : null;
  }
}
