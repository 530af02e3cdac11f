/**
 * The merge rule, after the kernel's 7.0 health monitor: events of one filesystem about the same
 * allocation group, metadata type and errno are one problem. An XFS corruption re-logs on every
 * failed read, so a `find` over one bad directory block gives one event with a large count.
 * Masks (health flag names) OR, disk ranges join, lists stay capped: the blob is bounded.
 */
import type { FsEvent } from '../../core/plugin-api';
import type { XfsBlob, XfsRange } from './blob';
import { INODE_CAP, RANGE_CAP } from './blob';

export function mergeKey(e: Readonly<FsEvent<XfsBlob>>): string | null {
  const b = e.blob;
  if (!b) return null;
  switch (b.messageType) {
    case 'shutdown':
      return null; // one per death; the core turns it into the DIED event
    case 'unknown':
      return `unknown|${b.message ?? ''}`; // the same unknown line, repeated
    case 'suppressed':
      return 'suppressed';
    default:
      return `ag=${b.agno ?? '?'}|${b.metadataType ?? '?'}|${e.errno ?? '?'}`;
  }
}

export function merge(into: XfsBlob, from: Readonly<XfsBlob>): XfsBlob {
  // A flood re-reads the same bad block: most merges add nothing to the blob (the core adds up the
  // count). Then the answer is `into` itself (blobs are never mutated), without a copy.
  return addsNothing(into, from) ? into : mergeCopy(into, from);
}

/** The merge rule itself, always on a copy (exported for the test that merge() agrees with it). */
export function mergeCopy(into: XfsBlob, from: Readonly<XfsBlob>): XfsBlob {
  const out: XfsBlob = { ...into };
  out.ranges = joinRanges(into.ranges, from.ranges);
  spanOf(out);
  out.inode ??= from.inode;
  out.inodes = unionCapped(into.inodes, from.inodes, INODE_CAP);
  out.readahead = into.readahead && from.readahead; // false once a real read failed too
  out.permanent = into.permanent || from.permanent;
  out.fsSick = unionCapped(into.fsSick, from.fsSick, 32);
  out.fsChecked = unionCapped(into.fsChecked, from.fsChecked, 32);
  out.agSick = unionCapped(into.agSick, from.agSick, 32);
  out.agChecked = unionCapped(into.agChecked, from.agChecked, 32);
  out.inodeSick = unionCapped(into.inodeSick, from.inodeSick, 32);
  out.inodeChecked = unionCapped(into.inodeChecked, from.inodeChecked, 32);
  out.shutdownFlagNames = unionCapped(into.shutdownFlagNames, from.shutdownFlagNames, 32);
  // First-seen detail wins (like the core's errno/inode); fill only what the first lacked.
  out.structure ??= from.structure;
  out.function ??= from.function;
  out.ioFunction ??= from.ioFunction;
  out.verifier ??= from.verifier;
  out.sourceFile ??= from.sourceFile;
  out.sourceLine ??= from.sourceLine;
  out.op ??= from.op;
  out.fileOffset ??= from.fileOffset;
  out.fileLength ??= from.fileLength;
  out.dump ??= from.dump;
  out.dumpBytes ??= from.dumpBytes;
  out.message ??= from.message;
  return out;
}

/**
 * Whether merge(into, from) would equal `into`, field for field: every rule below, checked without
 * allocating. `x ??= y` leaves x when x is set, or when y is the same nothing.
 */
function addsNothing(into: XfsBlob, from: Readonly<XfsBlob>): boolean {
  return (
    (from.ranges.length === 0 ? isJoined(into.ranges) : (into.ranges.length <= RANGE_CAP && from.ranges.every((r) => into.ranges.some((x) => r.daddr >= x.daddr && r.daddr + r.length <= x.daddr + x.length)))) &&
    spanIsSet(into) &&
    keeps(into.inode, from.inode) &&
    addsNone(into.inodes, from.inodes, INODE_CAP) &&
    (!into.readahead || from.readahead) &&
    (into.permanent || !from.permanent) &&
    addsNone(into.fsSick, from.fsSick, 32) &&
    addsNone(into.fsChecked, from.fsChecked, 32) &&
    addsNone(into.agSick, from.agSick, 32) &&
    addsNone(into.agChecked, from.agChecked, 32) &&
    addsNone(into.inodeSick, from.inodeSick, 32) &&
    addsNone(into.inodeChecked, from.inodeChecked, 32) &&
    addsNone(into.shutdownFlagNames, from.shutdownFlagNames, 32) &&
    keeps(into.structure, from.structure) &&
    keeps(into.function, from.function) &&
    keeps(into.ioFunction, from.ioFunction) &&
    keeps(into.verifier, from.verifier) &&
    keeps(into.sourceFile, from.sourceFile) &&
    keeps(into.sourceLine, from.sourceLine) &&
    keeps(into.op, from.op) &&
    keeps(into.fileOffset, from.fileOffset) &&
    keeps(into.fileLength, from.fileLength) &&
    keeps(into.dump, from.dump) &&
    keeps(into.dumpBytes, from.dumpBytes) &&
    keeps(into.message, from.message)
  );
}

const keeps = <T>(x: T, y: T): boolean => (x !== null && x !== undefined) || x === y;

/** joinRanges(a, []) would give `a` again: sorted, disjoint, not adjacent, within the cap. */
function isJoined(a: readonly XfsRange[]): boolean {
  if (a.length > RANGE_CAP) return false;
  for (let i = 1; i < a.length; i++) if (a[i]!.daddr <= a[i - 1]!.daddr + a[i - 1]!.length) return false;
  return true;
}

/** spanOf(b) would change nothing. */
function spanIsSet(b: XfsBlob): boolean {
  if (!b.ranges.length) return true;
  let end = -Infinity;
  for (const r of b.ranges) if (r.daddr + r.length > end) end = r.daddr + r.length;
  return b.daddr === b.ranges[0]!.daddr && b.length === end - b.ranges[0]!.daddr;
}

/** unionCapped(a, b, cap) would return `a`. */
function addsNone<T>(a: readonly T[], b: readonly T[], cap: number): boolean {
  for (const x of b) {
    if (a.length >= cap) return true;
    if (!a.includes(x)) return false;
  }
  return true;
}

/** Disjoint sorted ranges; adjacent or overlapping ones join; over the cap the closest two join. */
export function joinRanges(a: readonly XfsRange[], b: readonly XfsRange[]): XfsRange[] {
  // A flood re-reads the same blocks: when `a` (a merge result, or one classified range) already
  // covers every range of `b`, it is the answer.
  if (b.length > 0 && a.length <= RANGE_CAP && b.every((r) => a.some((x) => r.daddr >= x.daddr && r.daddr + r.length <= x.daddr + x.length))) return a as XfsRange[];
  const all = [...a, ...b].map((r) => ({ ...r })).sort((x, y) => x.daddr - y.daddr);
  const out: XfsRange[] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r.daddr <= last.daddr + last.length) {
      last.length = Math.max(last.length, r.daddr + r.length - last.daddr);
    } else out.push(r);
  }
  while (out.length > RANGE_CAP) {
    let best = 1;
    for (let i = 2; i < out.length; i++) {
      if (gap(out[i - 1]!, out[i]!) < gap(out[best - 1]!, out[best]!)) best = i;
    }
    const l = out[best - 1]!;
    const r = out[best]!;
    l.length = Math.max(l.length, r.daddr + r.length - l.daddr);
    out.splice(best, 1);
  }
  return out;
}

const gap = (l: XfsRange, r: XfsRange) => r.daddr - (l.daddr + l.length);

/** daddr/length: min start and max end over the ranges. */
export function spanOf(b: XfsBlob): void {
  if (!b.ranges.length) return;
  const first = b.ranges[0]!;
  // A loop, not Math.max(...map()): runs on every merge of a flood, and allocates nothing.
  let end = -Infinity;
  for (const r of b.ranges) if (r.daddr + r.length > end) end = r.daddr + r.length;
  b.daddr = first.daddr;
  b.length = end - first.daddr;
}

/** `a` plus what `b` adds, capped; `a` itself when `b` adds nothing (arrays are never mutated). */
function unionCapped<T>(a: readonly T[], b: readonly T[], cap: number): T[] {
  let out: T[] | null = null;
  for (const x of b) {
    const cur = out ?? a;
    if (cur.length >= cap) break;
    if (cur.includes(x)) continue;
    out ??= [...a];
    out.push(x);
  }
  return out ?? (a as T[]);
}
