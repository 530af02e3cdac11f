/**
 * The fleet's answer, from the whole fleet-state and agents topics: one row per filesystem of
 * every host (pure). A filesystem's state records (one per events partition that carried events
 * about it, see state-record.ts) are merged here; the filesystems an agent reports with no event
 * at all join as healthy, so "healthy" means "watched and quiet", not "never heard of".
 */
import { healthKey, UNATTRIBUTED_KEY, type ErrorMark, type FsHealth, type HealthState } from '../core/projections/fs-health';
import type { AgentRecord } from '../core/schema/agent-schema';
import type { FleetStateRecord } from './state-record';

export interface FleetFilesystem {
  host: string;
  /** The status projection's key of the filesystem on its host. */
  key: string;
  type: string;
  device: string | null;
  uuid: string | null;
  mountPoint: string | null;
  /** How its agent watches it (null: not in its agent's current record). */
  mode: string | null;
  state: HealthState;
  errors: number;
  byErrno: Record<string, number>;
  firstError: ErrorMark | null;
  lastError: ErrorMark | null;
  deaths: number;
  lastDied: FsHealth['lastDied'];
  suppressed: number;
  lost: number;
  /** µs of the newest event about it (null: none). */
  lastEventTime: number | null;
  /** µs since when it is in its state: dead → the last death, degraded → the first error. */
  since: number | null;
}

export interface FleetAgent {
  host: string;
  version: string;
  kernel: string;
  startTime: number;
  heartbeatTime: number;
  intervalMs: number;
  stoppedTime: number | null;
  filesystems: number;
  lost: number;
  /** running | silent (no heartbeat for `silentAfterIntervals` intervals) | stopped (said goodbye). */
  status: 'running' | 'silent' | 'stopped';
}

const sumInto = (a: Record<string, number>, b: Record<string, number>) => {
  for (const [k, n] of Object.entries(b)) a[k] = (a[k] ?? 0) + n;
};
// A filesystem's records all belong to one host, so store offsets order its events.
const newer = <T extends { offset: number }>(a: T | null, b: T | null) => (!a ? b : !b ? a : b.offset > a.offset ? b : a);
const older = <T extends { offset: number }>(a: T | null, b: T | null) => (!a ? b : !b ? a : b.offset < a.offset ? b : a);

/**
 * Merge one filesystem's records from several partitions (usually there is one, plus one of
 * losses attributed from the host's LOST partition). Totals add up; first/last marks are ordered
 * by store offset. The state is the state of the record holding the newest error or death; when
 * the newest death is in another record than the newest error, the error revives the filesystem
 * only if it was last seen after that death. Exact when a filesystem's errors travel under one
 * message key (its identity comes from the mount table); see fleet/README.md "Limits".
 */
export function mergeHealth(records: readonly FleetStateRecord[]): { health: FsHealth; lastEventTime: number } {
  const [first, ...rest] = records;
  const h: FsHealth = structuredClone(first!.health);
  let lastEventTime = first!.lastEventTime;
  for (const r of rest) {
    const o = r.health;
    h.errors += o.errors;
    h.events += o.events;
    sumInto(h.byErrno, o.byErrno);
    sumInto(h.bySubtype, o.bySubtype);
    h.firstError = older(h.firstError, o.firstError);
    h.lastError = newer(h.lastError, o.lastError);
    h.lastDied = newer(h.lastDied, o.lastDied);
    h.deaths += o.deaths;
    h.suppressed += o.suppressed;
    h.lost += o.lost;
    for (const k of ['type', 'device', 'majorMinor', 'fsid', 'uuid', 'mountPoint'] as const) {
      if (o.fs[k] !== null && o.fs[k] !== '*' && (h.fs[k] === null || h.fs[k] === '*')) (h.fs as unknown as Record<string, string | null>)[k] = o.fs[k];
    }
    lastEventTime = Math.max(lastEventTime, r.lastEventTime);
  }
  if (rest.length) {
    const withErrors = records.filter((r) => r.health.lastError !== null);
    if (withErrors.length === 0) h.state = 'healthy';
    else {
      const holder = withErrors.reduce((a, b) => (b.health.lastError!.offset > a.health.lastError!.offset ? b : a));
      const death = h.lastDied;
      if (death && death.offset === h.lastError!.offset) h.state = 'dead';
      else if (!death || death.offset === holder.health.lastDied?.offset || death.offset > h.lastError!.offset) h.state = holder.health.state;
      else h.state = h.lastError!.time > death.time ? 'degraded' : 'dead';
    }
  }
  return { health: h, lastEventTime };
}

export function agentStatus(a: AgentRecord, nowUs: number, silentAfterIntervals: number): FleetAgent['status'] {
  if (a.stoppedTime !== null) return 'stopped';
  return nowUs - a.heartbeatTime > silentAfterIntervals * a.intervalMs * 1000 ? 'silent' : 'running';
}

export function fleetAgents(agents: Iterable<AgentRecord>, nowUs: number, silentAfterIntervals: number): FleetAgent[] {
  return [...agents]
    .map((a) => ({
      host: a.host,
      version: a.version,
      kernel: a.kernel,
      startTime: a.startTime,
      heartbeatTime: a.heartbeatTime,
      intervalMs: a.intervalMs,
      stoppedTime: a.stoppedTime,
      filesystems: a.filesystems.length,
      lost: a.lost,
      status: agentStatus(a, nowUs, silentAfterIntervals),
    }))
    .sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : 0));
}

export function fleetFilesystems(states: Iterable<FleetStateRecord>, agents: Iterable<AgentRecord>): FleetFilesystem[] {
  const groups = new Map<string, FleetStateRecord[]>();
  for (const r of states) {
    const k = `${r.host}\u0000${r.health.key}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out = new Map<string, FleetFilesystem>();
  for (const [k, recs] of groups) {
    recs.sort((a, b) => a.partition - b.partition); // deterministic merge order
    const { health: h, lastEventTime } = mergeHealth(recs);
    out.set(k, {
      host: recs[0]!.host,
      key: h.key,
      type: h.fs.type,
      device: h.fs.device,
      uuid: h.fs.uuid,
      mountPoint: h.fs.mountPoint,
      mode: null,
      state: h.state,
      errors: h.errors,
      byErrno: h.byErrno,
      firstError: h.firstError,
      lastError: h.lastError,
      deaths: h.deaths,
      lastDied: h.lastDied,
      suppressed: h.suppressed,
      lost: h.lost,
      lastEventTime: lastEventTime || null,
      since: h.state === 'dead' ? (h.lastDied?.time ?? null) : h.state === 'degraded' ? (h.firstError?.time ?? null) : null,
    });
  }
  for (const a of agents) {
    for (const f of a.filesystems) {
      const key = healthKey(f.identity);
      const k = `${a.host}\u0000${key}`;
      const row = out.get(k);
      if (row) {
        row.mode = f.mode;
        if (row.type === '*') row.type = f.identity.type;
        row.mountPoint ??= f.identity.mountPoint;
        row.uuid ??= f.identity.uuid;
        continue;
      }
      out.set(k, {
        host: a.host,
        key,
        type: f.identity.type,
        device: f.identity.device,
        uuid: f.identity.uuid,
        mountPoint: f.identity.mountPoint,
        mode: f.mode,
        // No event about it reached the fleet yet: what its agent says (healthy unless the
        // events are still on their way).
        state: f.state,
        errors: 0,
        byErrno: {},
        firstError: null,
        lastError: null,
        deaths: 0,
        lastDied: null,
        suppressed: 0,
        lost: 0,
        lastEventTime: null,
        since: null,
      });
    }
  }
  const rank = (f: FleetFilesystem) => (f.key === UNATTRIBUTED_KEY ? 3 : f.state === 'dead' ? 0 : f.state === 'degraded' ? 1 : 2);
  return [...out.values()].sort((a, b) => rank(a) - rank(b) || (a.host < b.host ? -1 : a.host > b.host ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface FilesystemFilter {
  state?: string | undefined;
  host?: string | undefined;
  type?: string | undefined;
}

export function filterFilesystems(rows: readonly FleetFilesystem[], f: FilesystemFilter): FleetFilesystem[] {
  return rows.filter((r) => (!f.state || r.state === f.state) && (!f.host || r.host === f.host) && (!f.type || r.type === f.type));
}

/** Counts per state (and per type and state) for the page header and the gauges. */
export function countByState(rows: readonly FleetFilesystem[]): { byState: Record<HealthState, number>; byTypeState: Record<string, Record<HealthState, number>> } {
  const byState: Record<HealthState, number> = { healthy: 0, degraded: 0, dead: 0 };
  const byTypeState: Record<string, Record<HealthState, number>> = {};
  for (const r of rows) {
    if (r.key === UNATTRIBUTED_KEY) continue; // losses no filesystem could be named for
    byState[r.state]++;
    const t = (byTypeState[r.type] ??= { healthy: 0, degraded: 0, dead: 0 });
    t[r.state]++;
  }
  return { byState, byTypeState };
}
