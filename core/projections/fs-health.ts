/**
 * The per-filesystem health projection, folded from the event log. `foldEvent` is the only place
 * that decides what an event means for a filesystem's state and totals; the store calls it inside
 * its append transaction (incremental) and over the whole log (rebuild), so both agree by
 * construction, and a test checks it on random logs.
 */
import { SUBTYPES, type FsEvent, type FsIdentity } from '../model/event';

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
 * One line per filesystem as an operator names it: by device first (`loop0`, `sda1`), because the
 * kernel log names devices and a LOST event attributes losses by device; then by the numbers that
 * identify a superblock when the device is unknown. Reusing a device for a new filesystem continues
 * its line, as ras-mc-ctl continues a DIMM's.
 */
export function healthKey(fs: FsIdentity): string {
  return fs.device ?? fs.majorMinor ?? fs.fsid ?? fs.uuid ?? `type:${fs.type}`;
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
}

/**
 * Fold one stored event into the projection. `get` returns the current health of a key (or
 * undefined) and lets the caller load it lazily (the SQLite store reads only the rows it touches).
 */
export function foldEvent(p: { get(key: string): FsHealth | undefined; set(h: FsHealth): void; host: HostTotals }, offset: number, e: FsEvent): void {
  const host = p.host;
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
      const single = attributed.length === 1 && device === e.fs.device;
      const key = device === UNATTRIBUTED_KEY ? UNATTRIBUTED_KEY : device;
      const h = p.get(key) ?? newHealth(key, single ? e.fs : { type: '*', device: key === UNATTRIBUTED_KEY ? null : key, majorMinor: null, fsid: null, uuid: null, mountPoint: null });
      if (single) mergeIdentity(h.fs, e.fs);
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
