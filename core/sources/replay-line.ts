/**
 * One line of a replay file → a RawRecord. The format (README "Replay files") is JSON lines whose
 * `source` says what the rest is; kmsg lines carry the record exactly as /dev/kmsg returned it.
 * Validation names the line and the field, so a bad fixture is easy to fix.
 */
import { FsfaultError } from '../errors';
import type { MountInfo, RawRecord } from '../model/raw-record';
import { parseKmsgRecord } from '../../native/kmsg-parse';

type Obj = Record<string, unknown>;

function bad(where: string, why: string): FsfaultError {
  return new FsfaultError('REPLAY_BAD_LINE', `${where}: ${why}`, { details: { where } });
}

function num(o: Obj, k: string, where: string, dflt?: number): number {
  const v = o[k];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(where, `field '${k}' must be a number (got ${JSON.stringify(v)})`);
  return v;
}

function str(o: Obj, k: string, where: string, dflt?: string | null): string {
  const v = o[k];
  if ((v === undefined || v === null) && dflt !== undefined) return dflt as string;
  if (typeof v !== 'string') throw bad(where, `field '${k}' must be a string (got ${JSON.stringify(v)})`);
  return v;
}

function optStr(o: Obj, k: string, where: string): string | null {
  return o[k] === undefined || o[k] === null ? null : str(o, k, where);
}

function mountInfo(m: unknown, where: string): MountInfo {
  if (!m || typeof m !== 'object') throw bad(where, "field 'mount' must be an object");
  const o = m as Obj;
  return {
    mountId: num(o, 'mountId', where, 0),
    mountPoint: str(o, 'mountPoint', where),
    device: str(o, 'device', where),
    majorMinor: str(o, 'majorMinor', where, '0:0'),
    fsType: str(o, 'fsType', where),
    fsid: optStr(o, 'fsid', where),
    uuid: optStr(o, 'uuid', where),
    options: Array.isArray(o.options) ? o.options.map(String) : [],
    ...(o.uniqueId === undefined || o.uniqueId === null ? {} : { uniqueId: num(o, 'uniqueId', where) }),
    ...(o.geometry === undefined || o.geometry === null ? {} : { geometry: geometryOf(o.geometry, where) }),
  };
}

function geometryOf(g: unknown, where: string): Record<string, number> {
  if (!g || typeof g !== 'object' || Array.isArray(g)) throw bad(where, "field 'mount.geometry' must be an object of numbers");
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(g)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(where, `field 'mount.geometry.${k}' must be a number (got ${JSON.stringify(v)})`);
    out[k] = v;
  }
  return out;
}

/**
 * Parse one non-empty line. Every record kind carries `readAtUs`, the time it was read: event times
 * come from it, so a replay gives the same times whenever it runs. A line without one is an error.
 */
export function parseReplayLine(line: string, where: string): RawRecord {
  let o: Obj;
  try {
    o = JSON.parse(line) as Obj;
  } catch (e) {
    throw bad(where, `not JSON: ${(e as Error).message}`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw bad(where, 'must be a JSON object');
  if (o.readAtUs === undefined) throw bad(where, "field 'readAtUs' (µs since the epoch when the record was read) is missing: every line needs its read time");
  const readAtUs = num(o, 'readAtUs', where);
  switch (o.source) {
    case 'kmsg': {
      const rec = parseKmsgRecord(str(o, 'record', where), readAtUs);
      if (!rec) throw bad(where, "field 'record' is not a /dev/kmsg record ('prefix,seq,ts_usec,flags;text')");
      return rec;
    }
    case 'fanotify':
      return {
        source: 'fanotify',
        mask: num(o, 'mask', where, 0x8000),
        fsid: str(o, 'fsid', where),
        error: num(o, 'error', where),
        errorCount: num(o, 'error_count', where, 1),
        handleType: num(o, 'handle_type', where, 255),
        handle: str(o, 'handle', where, ''),
        pid: num(o, 'pid', where, 0),
        readAtUs,
        path: optStr(o, 'path', where),
      };
    case 'mount': {
      const action = str(o, 'action', where, 'mounted');
      if (action !== 'mounted' && action !== 'unmounted' && action !== 'remounted') throw bad(where, `field 'action' must be mounted|unmounted|remounted (got '${action}')`);
      const rec: RawRecord = { source: 'mount', action, mount: mountInfo(o.mount, where), readAtUs };
      if (o.fanotify !== undefined) rec.fanotify = o.fanotify === true;
      return rec;
    }
    case 'sysfs': {
      const counters = o.counters;
      if (!counters || typeof counters !== 'object') throw bad(where, "field 'counters' must be an object");
      return { source: 'sysfs', device: str(o, 'device', where), fsType: str(o, 'fsType', where), readAtUs, counters: counters as Record<string, number | string> };
    }
    case 'ioctl': {
      const scope = str(o, 'scope', where);
      if (scope !== 'fs' && scope !== 'ag' && scope !== 'inode') throw bad(where, `field 'scope' must be fs|ag|inode (got '${scope}')`);
      return {
        source: 'ioctl',
        device: str(o, 'device', where),
        fsType: str(o, 'fsType', where),
        readAtUs,
        scope,
        index: o.index === undefined || o.index === null ? null : num(o, 'index', where),
        sick: num(o, 'sick', where, 0),
        checked: num(o, 'checked', where, 0),
        failure: optStr(o, 'failure', where),
      };
    }
    case 'loss': {
      const origin = str(o, 'origin', where, 'replay');
      const origins = ['kmsg', 'fanotify', 'sysfs', 'ioctl', 'native', 'replay'];
      if (!origins.includes(origin)) throw bad(where, `field 'origin' must be one of ${origins.join('|')} (got '${origin}')`);
      return { source: 'loss', origin: origin as 'kmsg', reason: str(o, 'reason', where), count: num(o, 'count', where, 1), device: optStr(o, 'device', where), readAtUs };
    }
    default:
      throw bad(where, `field 'source' must be kmsg|fanotify|mount|sysfs|ioctl|loss (got ${JSON.stringify(o.source)})`);
  }
}
