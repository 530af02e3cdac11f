/**
 * The ext4 blob: what the kernel log and fanotify say about an ext4 error beyond the generic event
 * fields. Every field is nullable with a null default so that readers and writers of older or newer
 * versions of the schema stay compatible (Avro evolution); add fields only at the end.
 */
import type { AvroRecordSchema } from '../../core/plugin-api';

/** Which kernel message (or fanotify) an event came from; see README "Message types". */
export type Ext4MessageType =
  | 'fanotify'
  | 'error'
  | 'abort'
  | 'std-error'
  | 'group-error'
  | 'warning'
  | 'remount-ro'
  | 'emergency-ro'
  | 'shutdown'
  | 'jbd2-abort'
  | 'jbd2'
  | 'io-error'
  | 'error-summary'
  | 'suppressed'
  | 'unknown';

// The index signature makes it a core Blob (Record<string, unknown>).
export interface Ext4Blob {
  [field: string]: unknown;
  messageType: Ext4MessageType | null;
  /** Kernel C function and source line of the first message (they change between kernel versions). */
  function: string | null;
  line: number | null;
  /** Inode, physical block, logical block and block group the message names. */
  inode: number | null;
  block: number | null;
  lblock: number | null;
  group: number | null;
  /** Task that hit the error (log, ≤ 15 chars) and the pid fanotify reported. */
  comm: string | null;
  pid: number | null;
  /** Path printed by __ext4_error_file (log), not resolved from a handle. */
  path: string | null;
  /** Free text after the fixed prefix, at most MAX_MESSAGE characters. */
  message: string | null;
  /** Generation from a fanotify FILEID_INO32_GEN handle (0 after an inode-table read error). */
  generation: number | null;
  /** Journal inode of `Aborting journal on device loop0-8.` */
  journalInode: number | null;
  /** FS_IOC_SHUTDOWN flags: 0 default (freeze+shutdown), 1 log flush, 2 no log flush. */
  shutdownFlags: number | null;
  /** Block-layer detail: sector, and the operation (`READ`, `lost sync page write` ...). */
  sector: number | null;
  operation: string | null;
  /** `N callbacks suppressed` (log lines dropped by a ratelimit) and `error count since last fsck: N`. */
  suppressedLines: number | null;
  reportedErrors: number | null;
  /** Unix seconds of `initial|last error at time N`. */
  errorTime: number | null;
  /** Syslog level and sequence number of the first log line. */
  level: number | null;
  seq: number | null;
  /** How many log lines and fanotify events were merged into this event. */
  lines: number | null;
  fanotifyEvents: number | null;
  /** Distinct `function:line` of the merged log lines, first MAX_FUNCTIONS only. */
  functions: string[] | null;
}

export const MAX_MESSAGE = 256;
export const MAX_FUNCTIONS = 8;

export function emptyBlob(messageType: Ext4MessageType): Ext4Blob {
  return {
    messageType,
    function: null,
    line: null,
    inode: null,
    block: null,
    lblock: null,
    group: null,
    comm: null,
    pid: null,
    path: null,
    message: null,
    generation: null,
    journalInode: null,
    shutdownFlags: null,
    sector: null,
    operation: null,
    suppressedLines: null,
    reportedErrors: null,
    errorTime: null,
    level: null,
    seq: null,
    lines: null,
    fanotifyEvents: null,
    functions: null,
  };
}

const opt = (name: string, type: unknown, doc: string) => ({ name, type: ['null', type], default: null, doc });

export const ext4BlobSchema: AvroRecordSchema = {
  type: 'record',
  name: 'Ext4Blob',
  namespace: 'fsfault.plugins.ext4',
  doc: 'What the ext4 kernel log lines and FAN_FS_ERROR events said about this error.',
  fields: [
    opt('messageType', 'string', 'fanotify|error|abort|std-error|group-error|warning|remount-ro|emergency-ro|shutdown|jbd2-abort|jbd2|io-error|error-summary|suppressed|unknown'),
    opt('function', 'string', 'kernel function of the first log line'),
    opt('line', 'long', 'kernel source line of the first log line'),
    opt('inode', 'long', 'inode named by the log line'),
    opt('block', 'long', 'physical block named by the log line'),
    opt('lblock', 'long', 'logical block named by the log line'),
    opt('group', 'long', 'block group named by the log line'),
    opt('comm', 'string', 'task name from the log line'),
    opt('pid', 'long', 'pid from the fanotify event'),
    opt('path', 'string', 'path printed by the kernel'),
    opt('message', 'string', 'free text of the first log line, truncated'),
    opt('generation', 'long', 'inode generation from the fanotify file handle'),
    opt('journalInode', 'long', 'journal inode of a jbd2 abort line'),
    opt('shutdownFlags', 'long', 'FS_IOC_SHUTDOWN flags'),
    opt('sector', 'long', 'block-layer sector'),
    opt('operation', 'string', 'block-layer operation'),
    opt('suppressedLines', 'long', 'log lines a ratelimit dropped'),
    opt('reportedErrors', 'long', 'error count since last fsck, as logged'),
    opt('errorTime', 'long', 'unix seconds of a logged initial/last error'),
    opt('level', 'int', 'syslog level of the first log line'),
    opt('seq', 'long', '/dev/kmsg sequence number of the first log line'),
    opt('lines', 'long', 'log lines merged into this event'),
    opt('fanotifyEvents', 'long', 'fanotify events merged into this event'),
    opt('functions', { type: 'array', items: 'string' }, 'distinct function:line of merged log lines, capped'),
  ],
};
