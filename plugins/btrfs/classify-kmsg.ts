/**
 * A /dev/kmsg record → a btrfs event draft, or null when the line is not btrfs's.
 *
 * Counting (btrfs sends no FAN_FS_ERROR on 6.x, so the log is the counting channel): a line that
 * reports a failure counts 1 — a data or metadata checksum failure, a tree-checker rejection, a
 * parent transid mismatch, a transaction abort, `BTRFS: error … in fn`. The device-counter line
 * `bdev … errs: …` that the kernel prints right after such a line is the same error: it arrives as a
 * continuation (continuation.ts) and adds the counters. A `bdev … errs` line on its own (a write or
 * flush error has no other line) counts 1. Reminders and consequences count 0: the counter summary
 * at mount (level info), `read error corrected`, `forced readonly`, scrub detail, other warnings.
 */
import type { ClassifyContext, EventDraft, KmsgRecord, Subtype } from '../../core/plugin-api';
import { emptyBlob, MAX_MESSAGE, type BtrfsBlob, type BtrfsMessageType } from './blob';
import { parseLine } from './kmsg-lines';

const EIO = 5;
const EUCLEAN = 117;
const SEVERE = new Set(['emergency', 'alert', 'critical', 'error']);

const ERRNO: Partial<Record<BtrfsMessageType, number>> = {
  'csum-data': EIO, // what the reader gets
  'csum-meta': EUCLEAN, // btrfs_validate_extent_buffer
  'tree-check': EUCLEAN,
  'tree-rw': EUCLEAN,
  'parent-transid': EIO,
  devstats: EIO,
  'read-corrected': EIO,
  scrub: EIO,
};

const SUBTYPES: Record<BtrfsMessageType, Subtype[]> = {
  'csum-data': ['data', 'checksum'],
  'csum-meta': ['metadata', 'checksum'],
  'tree-check': ['metadata'],
  'tree-rw': ['metadata'],
  'parent-transid': ['metadata'],
  devstats: ['io'],
  'read-corrected': ['io'],
  'fs-error': ['shutdown'],
  'trans-abort': ['journal', 'shutdown'],
  'forced-ro': ['readonly'],
  scrub: ['checksum'],
  other: ['unknown'],
};

export function classifyKmsg(rec: KmsgRecord, _ctx: ClassifyContext): EventDraft<BtrfsBlob> | null {
  if (rec.facility !== 0) return null; // written by a user process, not the kernel
  const p = parseLine(rec.text);
  if (p === null) return null;
  const severe = p.levelWord === null || SEVERE.has(p.levelWord);
  // info/notice/debug chatter (mount options, scrub start) is not an error; forced readonly and the
  // counter summary at mount are kept (a death signal, a reminder).
  if (!severe && p.levelWord !== 'warning' && p.type !== 'forced-ro' && p.type !== 'devstats' && p.type !== 'read-corrected') return null;
  const g = p.g;
  const blob = emptyBlob(p.type);
  Object.assign(blob, {
    level: rec.level,
    levelWord: p.levelWord,
    state: p.state,
    function: g.function ?? null,
    line: int(g.line),
    root: int(g.root),
    ino: int(g.ino),
    off: int(g.off),
    logical: int(g.logical),
    mirror: int(g.mirror),
    csum: g.csum ?? null,
    expected: g.expected ?? null,
    bdev: g.bdev ?? null,
    writeErrs: int(g.wr),
    readErrs: int(g.rd),
    flushErrs: int(g.flush),
    corruptionErrs: int(g.corrupt),
    generationErrs: int(g.gen),
    message: p.text.slice(0, MAX_MESSAGE),
    lines: 1,
    seq: rec.seq,
  } satisfies Partial<BtrfsBlob>);
  const errnoText = int(g.errno);
  const errno = errnoText !== null ? Math.abs(errnoText) : (ERRNO[p.type] ?? null);
  let subtypes = SUBTYPES[p.type];
  if (p.type === 'devstats' && blob.writeErrs === 0 && blob.readErrs === 0 && blob.flushErrs === 0) subtypes = (blob.generationErrs ?? 0) > 0 ? ['metadata'] : ['checksum'];
  return {
    device: p.device,
    errno: p.type === 'devstats' && subtypes[0] !== 'io' ? EUCLEAN : errno,
    count: countOf(p.type, severe),
    timeUs: rec.readAtUs,
    source: 'kmsg',
    subtypes,
    inode: p.type === 'csum-data' || p.type === 'read-corrected' ? blob.ino : null,
    blob,
  };
}

function countOf(type: BtrfsMessageType, severe: boolean): number {
  switch (type) {
    case 'csum-data':
    case 'csum-meta':
    case 'tree-check':
    case 'tree-rw':
    case 'parent-transid':
    case 'fs-error':
    case 'trans-abort':
      return 1;
    case 'devstats':
      return severe ? 1 : 0; // `BTRFS info … bdev … errs` at mount recalls old errors
    case 'other':
      return severe ? 1 : 0;
    default:
      return 0; // read-corrected, forced-ro, scrub detail: consequences of errors counted already
  }
}

/** A decimal field; null when absent or beyond what an Avro long holds exactly (garbled line). */
function int(s: string | undefined): number | null {
  const n = s === undefined ? NaN : Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
