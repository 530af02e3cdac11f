/**
 * Merge key, blob merge, continuation lines and the died rule.
 *
 * Keys: a data checksum failure merges by root + inode + errno (every failed read of one file is
 * one event however many blocks); metadata failures by message type + logical address (one tree
 * block); device-counter lines on their own by device + error class (io / corruption /
 * generation); transaction aborts and fs errors never merge (they are terminal).
 */
import type { FsEvent, KmsgRecord } from '../../core/plugin-api';
import type { BtrfsBlob, BtrfsMessageType } from './blob';
import { parseLine } from './kmsg-lines';

export function mergeKey(e: Readonly<FsEvent<BtrfsBlob>>): string | null {
  const b = e.blob;
  if (!b) return null;
  switch (b.messageType) {
    case 'csum-data':
      return `data:${b.root ?? '-'}:${b.ino ?? '-'}:${e.errno ?? '-'}`;
    case 'csum-meta':
    case 'tree-check':
    case 'tree-rw':
    case 'parent-transid':
      return `meta:${b.messageType}:${b.logical ?? '-'}`;
    case 'devstats':
      return `dev:${b.bdev ?? '-'}:${devClass(b)}:${b.levelWord ?? '-'}`;
    case 'read-corrected':
      return `corrected:${b.ino ?? '-'}`;
    case 'scrub':
      return `scrub:${b.logical ?? '-'}`;
    case 'other':
      return `other:${b.levelWord ?? '-'}:${(b.message ?? '').replace(/\d+/g, 'N').slice(0, 80)}`;
    default:
      return null;
  }
}

function devClass(b: Readonly<BtrfsBlob>): string {
  if ((b.writeErrs ?? 0) + (b.readErrs ?? 0) + (b.flushErrs ?? 0) > 0) return 'io';
  return (b.generationErrs ?? 0) > 0 && (b.corruptionErrs ?? 0) === 0 ? 'generation' : 'corruption';
}

const COUNTERS = ['writeErrs', 'readErrs', 'flushErrs', 'corruptionErrs', 'generationErrs'] as const;

/** First detail stays, gaps are filled from later lines, counters keep their highest value. */
export function merge(into: BtrfsBlob, from: Readonly<BtrfsBlob>): BtrfsBlob {
  const out: BtrfsBlob = { ...into };
  for (const k of Object.keys(from)) {
    if (k === 'lines' || (COUNTERS as readonly string[]).includes(k)) continue;
    if (out[k] === null || out[k] === undefined) out[k] = from[k];
  }
  for (const k of COUNTERS) {
    const a = into[k];
    const b = from[k];
    out[k] = a === null ? b : b === null ? a : Math.max(a, b);
  }
  out.lines = (into.lines ?? 0) + (from.lines ?? 0);
  return out;
}

/** Failures after which the kernel prints the device counters of the same error. */
const COUNTED_DETAIL: ReadonlySet<BtrfsMessageType | null> = new Set(['csum-data', 'csum-meta', 'tree-check', 'parent-transid']);

/**
 * `bdev … errs: …` (error level) right after a failure line of the same device is that failure's
 * counter update; `read|write time tree block corruption detected` right after `corrupt leaf` is
 * the same rejected block. Both complete the previous event and are not errors of their own.
 */
export function continuation(record: KmsgRecord, previous: Readonly<FsEvent<BtrfsBlob>>): BtrfsBlob | null {
  if (record.facility !== 0 || !previous.blob) return null;
  const p = parseLine(record.text);
  if (p === null || p.device !== previous.fs.device) return null;
  const prev = previous.blob;
  if (p.type === 'devstats' && p.levelWord === 'error' && COUNTED_DETAIL.has(prev.messageType) && prev.bdev === null) {
    const n = (s: string | undefined) => (s === undefined ? null : Number(s));
    return {
      ...prev,
      bdev: p.g.bdev ?? null,
      writeErrs: n(p.g.wr),
      readErrs: n(p.g.rd),
      flushErrs: n(p.g.flush),
      corruptionErrs: n(p.g.corrupt),
      generationErrs: n(p.g.gen),
      lines: (prev.lines ?? 1) + 1,
    };
  }
  if (p.type === 'tree-rw' && prev.messageType === 'tree-check' && String(prev.logical) === p.g.logical) {
    return { ...prev, mirror: prev.mirror ?? (p.g.mirror === undefined ? null : Number(p.g.mirror)), lines: (prev.lines ?? 1) + 1 };
  }
  return null;
}

/**
 * "And then we died": a transaction abort or `BTRFS: error … in fn` (btrfs_handle_fs_error) leaves
 * the filesystem in the error state, forced read-only, until it is mounted again.
 */
export function terminal(e: Readonly<FsEvent<BtrfsBlob>>): string | null {
  switch (e.blob?.messageType) {
    case 'trans-abort':
      return 'transaction-abort';
    case 'fs-error':
      return 'fs-error';
    case 'forced-ro':
      return 'forced-readonly';
    default:
      return null;
  }
}
