/**
 * A /dev/kmsg record → an ext4 event draft, or null when the line is not ext4's.
 *
 * Counting: fanotify counts every ext4 error exactly while the log is ratelimited, so when fanotify
 * watches the filesystem a line for an error fanotify also reports adds detail with count 0 (and the
 * same merge key, see merge.ts). Lines fanotify never reports count 1 either way. Lines that describe
 * a consequence of an error already counted, or remind of old ones, count 0 always.
 */
import type { ClassifyContext, EventDraft, KmsgRecord, Subtype } from '../../core/plugin-api';
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
/** printk ratelimit notices of any ext4/jbd2 ratelimit state (`JBD2: 2 callbacks suppressed` too). */
const RATELIMIT_NOTICE = /^(?:EXT4-fs error|EXT4-fs warning|EXT4-fs|JBD2): \d+ callbacks suppressed\n?$/;


/**
 * What a line's text alone says: everything of the draft but what depends on the record's level,
 * seq and time, and on the mount table. Pure in the text.
 */
type LineFacts = Pick<Ext4Blob, 'line' | 'inode' | 'block' | 'lblock' | 'group' | 'comm' | 'path' | 'journalInode' | 'shutdownFlags' | 'sector' | 'operation' | 'reportedErrors' | 'errorTime'> & {
  type: Ext4MessageType;
  device: string | null;
  blockLayer: boolean;
  /** unknown and jbd2 lines are claimed only at KERN_WARNING or louder. */
  levelChecked: boolean;
  fn: string | null;
  message: string;
  /** `function:line`, the blob's first `functions` entry. */
  fnLine: string | null;
  errno: number | null;
  subtypes: readonly Subtype[];
  /** Counts 0 always (a consequence or a reminder), or when fanotify watches the filesystem. */
  notAnError: boolean;
  fanotifyReported: boolean;
};

/**
 * Facts of recent texts. An error flood repeats its lines word for word (the same inode, function
 * and message on every failed access), and parsing one — up to three regexes with named groups,
 * then the errno and subtype keyword rules — is most of what classifying it costs. Bounded (cleared
 * when full) and adaptive: a flood of all-different lines would make the map churn (every entry
 * promoted to the old generation, then dropped), which costs more than the parsing it saves; so
 * when fewer than half the lookups of a window of WINDOW claimed lines hit, the map is dropped and
 * texts are parsed directly for the next PAUSE_WINDOWS windows before it is tried again.
 * Lines no rule claims are not kept (every other filesystem's lines pass through here).
 */
const FACTS = new Map<string, LineFacts>();
const FACTS_MAX = 1024;
const WINDOW = 1024;
const PAUSE_WINDOWS = 16;
const memo = { lookups: 0, hits: 0, paused: 0 };

/** Windows count the lines the plugin claims: other filesystems' lines say nothing about repetition. */
function lineFacts(text: string): LineFacts | null {
  if (memo.paused > 0) {
    const direct = parseFacts(text);
    if (direct !== null && ++memo.lookups === WINDOW) {
      memo.lookups = 0;
      memo.paused--;
    }
    return direct;
  }
  let f = FACTS.get(text);
  if (f !== undefined) memo.hits++;
  else {
    const parsed = parseFacts(text);
    if (parsed === null) return null;
    if (FACTS.size >= FACTS_MAX) FACTS.clear();
    FACTS.set(text, parsed);
    f = parsed;
  }
  if (++memo.lookups === WINDOW) {
    if (memo.hits < WINDOW / 2) {
      FACTS.clear();
      memo.paused = PAUSE_WINDOWS;
    }
    memo.lookups = 0;
    memo.hits = 0;
  }
  return f;
}

function parseFacts(text: string): LineFacts | null {
  const p = parseLine(text);
  if (p === null) return null;
  // `EXT4-fs error: N callbacks suppressed` is the kernel ratelimit's notice, not an error, and names
  // no filesystem: as an event it made a device-less ERROR and a phantom filesystem in the status.
  // The lines it stands for are not lost to fsfault (fanotify and the sysfs counters count every
  // error); the notice itself is counted with the records no plugin claims.
  if (p.type === 'suppressed' || RATELIMIT_NOTICE.test(text)) return null;
  const g = p.g;
  const type: Ext4MessageType = p.type === 'error' && ABORT_MESSAGES.test(g.message ?? '') ? 'abort' : p.type;
  const fn = g.function ?? null;
  const message = (g.message ?? text.split('\n')[0]!).slice(0, MAX_MESSAGE);
  return {
    type,
    device: p.device,
    blockLayer: p.blockLayer,
    levelChecked: p.type === 'unknown' || p.type === 'jbd2',
    fn,
    line: int(g.line),
    inode: int(g.inode),
    block: int(g.block),
    lblock: int(g.lblock),
    group: int(g.group),
    comm: g.comm ?? null,
    path: g.path ?? null,
    message,
    journalInode: int(g.journal),
    shutdownFlags: type === 'shutdown' ? int(g.flags) : null,
    sector: int(g.sector),
    operation: g.operation ?? null,
    reportedErrors: type === 'error-summary' ? int(g.count) : null,
    errorTime: int(g.time),
    fnLine: fn === null ? null : `${fn}:${g.line}`,
    errno: lineErrno(type, fn, message, g.status),
    subtypes: lineSubtypes(type, fn, message),
    notAnError: NOT_AN_ERROR.has(type),
    fanotifyReported: FANOTIFY_REPORTED.has(type),
  };
}

export function classifyKmsg(rec: KmsgRecord, ctx: ClassifyContext): EventDraft<Ext4Blob> | null {
  if (rec.facility !== 0) return null; // written by a user process, not the kernel
  const f = lineFacts(rec.text);
  if (f === null) return null;
  if (f.blockLayer && !isExt4Mount(f.device, ctx)) return null; // the disk may carry XFS, btrfs ...
  if (f.levelChecked && rec.level > LOWEST_ERROR_LEVEL) return null;

  // One literal of the blob's full shape (no empty blob + Object.assign): a flood classifies
  // every line, and same-shaped objects keep the merge and the encoder on their fast paths.
  // Fresh objects and arrays every time: the event that gets them owns them.
  const blob: Ext4Blob = {
    messageType: f.type,
    function: f.fn,
    line: f.line,
    inode: f.inode,
    block: f.block,
    lblock: f.lblock,
    group: f.group,
    comm: f.comm,
    pid: null,
    path: f.path,
    message: f.message,
    generation: null,
    journalInode: f.journalInode,
    shutdownFlags: f.shutdownFlags,
    sector: f.sector,
    operation: f.operation,
    suppressedLines: null,
    reportedErrors: f.reportedErrors,
    errorTime: f.errorTime,
    level: rec.level,
    seq: rec.seq,
    lines: 1,
    fanotifyEvents: 0,
    functions: f.fnLine === null ? null : [f.fnLine],
  };

  const watched = f.device !== null && ctx.fanotifyWatched(f.device);
  const count = f.notAnError || (watched && f.fanotifyReported) ? 0 : 1;
  return {
    device: f.device,
    errno: f.errno,
    count,
    timeUs: rec.readAtUs,
    source: 'kmsg',
    subtypes: f.subtypes.slice(),
    inode: f.inode,
    path: f.path,
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
