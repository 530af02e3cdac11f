import type { FsEvent, SourceName } from '../model/event';

/**
 * The core's half of a merge: count adds up, times widen, subtype bits OR, sources union. errno,
 * inode, handle and path stay those of the first event (the first error is the most telling one,
 * as ext4's s_first_error says) — but a field the first event did not know is taken from the later
 * one: a log line fused with its fanotify twin gains the file handle. Allocation-free: this runs
 * for every merged event of a flood.
 */
export function mergeFields(into: FsEvent, from: FsEvent): void {
  into.count += from.count;
  if (into.errno === null && from.errno !== null) {
    into.errno = from.errno;
    into.errnoName = from.errnoName;
  }
  if (into.inode === null) into.inode = from.inode;
  if (into.handleType === null && from.handleType !== null) {
    into.handleType = from.handleType;
    into.handle = from.handle;
  }
  if (into.path === null) {
    into.path = from.path;
    // Absent means null (event.ts). Found now: no reason left; still none: keep a reason.
    if (from.path !== null) delete into.pathError;
    else if (from.pathError && !into.pathError) into.pathError = from.pathError;
  }
  if (from.firstSeen < into.firstSeen) into.firstSeen = from.firstSeen;
  if (from.lastSeen > into.lastSeen) into.lastSeen = from.lastSeen;
  into.subtypes |= from.subtypes;
  for (let i = 0; i < from.sources.length; i++) addSource(into.sources, from.sources[i]!);
}

/** Order-stable union; at most one entry per source name, so the array stays tiny. */
export function addSource(into: SourceName[], s: SourceName): void {
  if (!into.includes(s)) into.push(s);
}
