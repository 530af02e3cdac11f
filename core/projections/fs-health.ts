/**
 * The per-filesystem health projection, folded from the event log. `foldEvent` is the only place
 * that decides what an event means for a filesystem's state and totals; the store calls it inside
 * its append transaction (incremental) and over the whole log (rebuild), so both agree by
 * construction, and a test checks it on random logs.
 */
import { SUBTYPES, type FsEvent, type FsIdentity } from '../model/event';
import { identityKey, type IdentityFields } from '../model/fs-identity';

export type HealthState = 'healthy' | 'degraded' | 'dead';

export interface ErrorMark {
  offset: number;
  /** µs since the epoch (the event's firstSeen for the first error, lastSeen for the last). */
  time: number;
  errno: number | null;
  errnoName: string | null;
}

export interface DiedMark {
  offset: number;
  time: number;
  reason: string;
}

export interface FsHealth {
  /** Projection key (see healthKey). */
  key: string;
  /** Latest identity seen for the filesystem. */
  fs: FsIdentity;
  /**
   * healthy: nothing but losses were ever attributed to it; degraded: it had errors; dead: a DIED
   * event was stored and no ERROR that started after that death has been stored since.
   */
  state: HealthState;
  /** Kernel errors it reported: the count of its ERROR, DIED and SUPPRESSED events. */
  errors: number;
  /** Stored events about it (ERROR, DIED, SUPPRESSED). */
  events: number;
  byErrno: Record<string, number>;
  bySubtype: Record<string, number>;
  firstError: ErrorMark | null;
  lastError: ErrorMark | null;
  lastDied: DiedMark | null;
  deaths: number;
  /** Errors only counted, not detailed, because it was dead (DIED death.suppressed + SUPPRESSED counts). */
  suppressed: number;
  /** Events lost for it (LOST lost.byFilesystem entries naming its device). */
  lost: number;
}

/** Host-wide totals: every event, and losses by reason (LOST reasons are not split per filesystem). */
export interface HostTotals {
  events: number;
  byKind: Record<string, number>;
  lost: number;
  lostByReason: Record<string, number>;
  /** Offsets of the first and last folded events (0 when none). */
  firstOffset: number;
  lastOffset: number;
}

export interface HealthProjection {
  filesystems: Map<string, FsHealth>;
  host: HostTotals;
}

/** Key of losses a LOST event could not attribute to one filesystem. */
export const UNATTRIBUTED_KEY = '*';

/**
 * One line per filesystem, keyed by what identifies it (core/model/fs-identity.ts: uuid, else fsid,
 * else device + unique mount id, else `device:<name>` = identity unknown). The device is a label:
 * an ext4 and an XFS image both mounted on `loop0` one after the other are two lines.
 */
export function healthKey(fs: IdentityFields): string {
  return identityKey(fs);
}

function deviceOnly(device: string): FsIdentity {
  return { type: '*', device, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null };
}

export function emptyHost(): HostTotals {
  return { events: 0, byKind: {}, lost: 0, lostByReason: {}, firstOffset: 0, lastOffset: 0 };
}

export function emptyProjection(): HealthProjection {
  return { filesystems: new Map(), host: emptyHost() };
}

function newHealth(key: string, fs: FsIdentity): FsHealth {
  return {
    key,
    fs: { ...fs },
    state: 'healthy',
    errors: 0,
    events: 0,
    byErrno: {},
    bySubtype: {},
    firstError: null,
    lastError: null,
    lastDied: null,
    deaths: 0,
    suppressed: 0,
    lost: 0,
  };
}

const add = (m: Record<string, number>, k: string, n: number) => {
  m[k] = (m[k] ?? 0) + n;
};

function errnoLabel(e: FsEvent): string {
  return e.errnoName ?? (e.errno === null ? 'none' : String(e.errno));
}

/** Keep the most specific identity: a field once known is not forgotten by a vaguer event. */
function mergeIdentity(into: FsIdentity, from: FsIdentity): void {
  if (from.type !== '*') into.type = from.type;
  for (const k of ['device', 'majorMinor', 'fsid', 'uuid', 'mountPoint'] as const) if (from[k] !== null) into[k] = from[k];
  if (from.mountUid !== undefined && from.mountUid !== null) into.mountUid = from.mountUid;
}

/** The state foldEvent reads and writes: per-filesystem rows (loaded lazily by the caller) and host totals. */
export interface FoldState {
  get(key: string): FsHealth | undefined;
  set(h: FsHealth): void;
  host: HostTotals;
}

/**
 * Fold one stored event into the projection: state + (offset, event) → state. `get` returns the
 * current health of a key (or undefined) and lets the caller load it lazily (the SQLite store reads
 * only the rows it touches). Offsets are folded in increasing order; an offset at or below the last
 * one folded is ignored, so delivering an event twice (a re-read, a re-sent batch) counts it once.
 */
export function foldEvent(p: FoldState, offset: number, e: FsEvent): void {
  const host = p.host;
  if (offset <= host.lastOffset) return;
  host.events++;
  add(host.byKind, e.kind, 1);
  if (host.firstOffset === 0) host.firstOffset = offset;
  host.lastOffset = offset;

  if (e.kind === 'LOST') {
    host.lost += e.count;
    for (const r of e.lost?.reasons ?? []) add(host.lostByReason, r.reason, r.count);
    const by = e.lost?.byFilesystem ?? [];
    const attributed = by.length ? by : [{ device: e.fs.device ?? UNATTRIBUTED_KEY, count: e.count }];
    for (const { device, count } of attributed) {
      // A loss names a device; it belongs to the event's own filesystem when that is on the device,
      // else to the device alone (identity unknown): never to whatever else once used that name.
      const own = device === e.fs.device;
      const fs = device === UNATTRIBUTED_KEY ? { ...deviceOnly(device), device: null } : own ? e.fs : deviceOnly(device);
      const key = device === UNATTRIBUTED_KEY ? UNATTRIBUTED_KEY : healthKey(fs);
      const h = p.get(key) ?? newHealth(key, fs);
      if (own) mergeIdentity(h.fs, e.fs);
      h.lost += count;
      p.set(h);
    }
    return;
  }

  const key = healthKey(e.fs);
  const h = p.get(key) ?? newHealth(key, e.fs);
  mergeIdentity(h.fs, e.fs);
  h.events++;
  h.errors += e.count;

  if (e.kind === 'SUPPRESSED') {
    h.suppressed += e.count;
    p.set(h);
    return;
  }

  // ERROR or DIED: a detailed error.
  add(h.byErrno, errnoLabel(e), e.count);
  for (let i = 0; i < SUBTYPES.length; i++) if (e.subtypes & (1 << i)) add(h.bySubtype, SUBTYPES[i]!, e.count);
  if (h.firstError === null) h.firstError = { offset, time: e.firstSeen, errno: e.errno, errnoName: e.errnoName };
  h.lastError = { offset, time: e.lastSeen, errno: e.errno, errnoName: e.errnoName };

  if (e.kind === 'DIED') {
    h.state = 'dead';
    h.deaths++;
    h.suppressed += e.death?.suppressed ?? 0;
    h.lastDied = { offset, time: e.lastSeen, reason: e.death?.reason ?? 'unknown' };
  } else if (h.state !== 'dead' || (h.lastDied !== null && e.firstSeen > h.lastDied.time)) {
    // An error that started after the death can only come from a filesystem mounted again.
    h.state = 'degraded';
  }
  p.set(h);
}

/** Fold a sequence of stored events from scratch (the rebuild, and the in-memory log). */
export function foldAll(events: Iterable<{ offset: number; event: FsEvent }>, into: HealthProjection = emptyProjection()): HealthProjection {
  const view = { get: (k: string) => into.filesystems.get(k), set: (h: FsHealth) => void into.filesystems.set(h.key, h), host: into.host };
  for (const s of events) foldEvent(view, s.offset, s.event);
  return into;
}

/** Filesystems sorted for display: dead first, then by key; the unattributed line last. */
export function sortedHealth(p: HealthProjection): FsHealth[] {
  const rank = (h: FsHealth) => (h.key === UNATTRIBUTED_KEY ? 3 : h.state === 'dead' ? 0 : h.state === 'degraded' ? 1 : 2);
  return [...p.filesystems.values()].sort((a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
