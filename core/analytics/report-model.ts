/**
 * The report model: one fold over ReportEvents, rendered as text, JSON or HTML. The JSON renderer
 * prints this object as is, so field names here are a public format (version 1).
 *
 * Counting: `errors` sums `count` over ERROR, DIED and SUPPRESSED events — each stands for kernel
 * errors (DIED: the fatal one plus those suppressed while queued; SUPPRESSED: those counted after
 * the death). LOST events are not errors fsfault saw but reports it could not make: they are
 * summed separately under `losses`.
 */
import { blobField, type ReportEvent } from './report-event';

export interface CountRow {
  key: string;
  /** Sum of `count`. */
  count: number;
  /** Number of events. */
  events: number;
}

export interface FsRow extends CountRow {
  host: string;
  fsType: string;
  device: string | null;
  mountPoint: string | null;
  lastSeen: string;
  died: boolean;
}

export interface RisingRow {
  fs: string;
  last: number;
  previous: number;
  /** last / previous; null when previous is 0. */
  ratio: number | null;
}

export interface InputSummary {
  input: string;
  kind: 'store' | 'avro';
  events: number;
  error: string | null;
}

export interface ReportModel {
  version: 1;
  generatedAt: string;
  range: { since: string | null; until: string | null; firstEvent: string | null; lastEvent: string | null };
  inputs: InputSummary[];
  warnings: string[];
  totals: { events: number; errors: number; lost: number; deaths: number; byKind: CountRow[] };
  byHost: CountRow[];
  byFilesystem: FsRow[];
  byErrno: CountRow[];
  bySubtype: CountRow[];
  ext4: { topFunctions: CountRow[]; topInodes: CountRow[] };
  xfs: { topAgs: CountRow[]; topMetadataTypes: CountRow[] };
  timeline: { bucketSec: number; start: string | null; buckets: number; total: number[]; series: { fs: string; counts: number[] }[] };
  deaths: { host: string; fs: string; time: string; reason: string; count: number; suppressed: number }[];
  losses: { total: number; events: number; byReason: CountRow[]; byFilesystem: CountRow[] };
  rising: { rule: RisingRule; filesystems: RisingRow[] };
}

/**
 * "Rising": errors in the last window (ending at --until, or at the newest event) are at least
 * `minCount` and more than `ratio` times the errors in the window before it (a previous window
 * with no errors counts as rising once the minimum is met).
 */
export interface RisingRule {
  windowSec: number;
  ratio: number;
  minCount: number;
}

export const DEFAULT_RISING: RisingRule = { windowSec: 6 * 3600, ratio: 2, minCount: 10 };
export const TOP_N = 10;
const HOUR_SEC = 3600;
/** Past this many hourly buckets the timeline switches to daily ones. */
const MAX_HOURLY_BUCKETS = 24 * 31;
const ERROR_KINDS = new Set(['ERROR', 'DIED', 'SUPPRESSED']);

/** Blob field names the plugins use (or might): the first one present wins. */
export const BLOB_NAMES = {
  function: ['function', 'func', 'kernelFunction'],
  inode: ['inode', 'ino'],
  ag: ['agno', 'ag', 'agNumber', 'allocationGroup'],
  metadataType: ['metadataType', 'metadata', 'structure', 'metaType'],
} as const;

class Counter {
  private m = new Map<string, CountRow>();
  add(key: string, count: number): void {
    const r = this.m.get(key);
    if (!r) {
      this.m.set(key, { key, count, events: 1 });
      return;
    }
    r.count += count;
    r.events++;
  }
  rows(limit = Infinity): CountRow[] {
    return [...this.m.values()].sort((a, b) => b.count - a.count || b.events - a.events || (a.key < b.key ? -1 : 1)).slice(0, limit);
  }
}

export function fsLabel(e: Pick<ReportEvent, 'host' | 'device' | 'uuid' | 'mountPoint' | 'fsType'>): string {
  return `${e.host}:${e.device ?? e.uuid ?? e.mountPoint ?? e.fsType}`;
}

export interface BuildOptions {
  since?: number;
  until?: number;
  rising?: RisingRule;
  now?: () => number;
}

export class ReportBuilder {
  private readonly events: ReportEvent[] = [];
  readonly inputs: InputSummary[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly opts: BuildOptions = {}) {}

  /** The store's query semantics: overlap with [since, until) — lastSeen ≥ since, firstSeen < until. */
  inRange(e: ReportEvent): boolean {
    return (this.opts.since === undefined || e.lastSeen >= this.opts.since) && (this.opts.until === undefined || e.firstSeen < this.opts.until);
  }

  add(e: ReportEvent): boolean {
    if (!this.inRange(e)) return false;
    this.events.push(e);
    return true;
  }

  build(): ReportModel {
    const ev = this.events;
    const byKind = new Counter();
    const byHost = new Counter();
    const byErrno = new Counter();
    const bySubtype = new Counter();
    const fns = new Counter();
    const inodes = new Counter();
    const ags = new Counter();
    const metas = new Counter();
    const lostReason = new Counter();
    const lostFs = new Counter();
    const fsRows = new Map<string, FsRow>();
    const deaths: ReportModel['deaths'] = [];
    let errors = 0;
    let lost = 0;
    let lostEvents = 0;
    let first = Infinity;
    let last = -Infinity;

    for (const e of ev) {
      byKind.add(e.kind, e.count);
      first = Math.min(first, e.firstSeen);
      last = Math.max(last, e.lastSeen);
      const fs = fsLabel(e);
      if (e.kind === 'LOST') {
        lost += e.count;
        lostEvents++;
        for (const r of e.lostReasons.length ? e.lostReasons : [{ reason: 'unspecified', count: e.count }]) lostReason.add(r.reason, r.count);
        for (const f of e.lostByFilesystem) lostFs.add(`${e.host}:${f.device}`, f.count);
        continue;
      }
      if (!ERROR_KINDS.has(e.kind)) continue;
      errors += e.count;
      byHost.add(e.host, e.count);
      let row = fsRows.get(fs);
      if (!row) {
        row = { key: fs, host: e.host, fsType: e.fsType, device: e.device, mountPoint: e.mountPoint, count: 0, events: 0, lastSeen: isoUs(e.lastSeen), died: false };
        fsRows.set(fs, row);
      }
      row.count += e.count;
      row.events++;
      if (isoUs(e.lastSeen) > row.lastSeen) row.lastSeen = isoUs(e.lastSeen);
      if (e.kind === 'DIED') {
        row.died = true;
        deaths.push({ host: e.host, fs, time: isoUs(e.firstSeen), reason: e.deathReason ?? 'unknown', count: e.count, suppressed: e.suppressed });
      }
      if (e.kind === 'SUPPRESSED') continue; // a tally: no errno/subtype/blob of its own
      byErrno.add(e.errnoName ?? (e.errno === null ? 'none' : `E${e.errno}`), e.count);
      for (const s of e.subtypes.length ? e.subtypes : ['unknown']) bySubtype.add(s, e.count);
      const isXfs = e.fsType === 'xfs' || e.plugin === 'xfs';
      const isExt4 = e.fsType.startsWith('ext') || e.plugin === 'ext4';
      if (isExt4) {
        const fn = blobField(e.blob, BLOB_NAMES.function);
        if (fn !== null) fns.add(String(fn), e.count);
        const ino = e.inode ?? blobField(e.blob, BLOB_NAMES.inode);
        if (ino !== null) inodes.add(`${fs} inode ${ino}`, e.count);
      }
      if (isXfs) {
        const ag = blobField(e.blob, BLOB_NAMES.ag);
        if (ag !== null) ags.add(`${fs} AG ${ag}`, e.count);
        const mt = blobField(e.blob, BLOB_NAMES.metadataType);
        if (mt !== null) metas.add(String(mt), e.count);
      }
    }

    const filesystems = [...fsRows.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
    return {
      version: 1,
      generatedAt: new Date(this.opts.now?.() ?? Date.now()).toISOString(),
      range: {
        since: this.opts.since === undefined ? null : isoUs(this.opts.since),
        until: this.opts.until === undefined ? null : isoUs(this.opts.until),
        firstEvent: ev.length ? isoUs(first) : null,
        lastEvent: ev.length ? isoUs(last) : null,
      },
      inputs: this.inputs,
      warnings: this.warnings,
      totals: { events: ev.length, errors, lost, deaths: deaths.length, byKind: byKind.rows() },
      byHost: byHost.rows(),
      byFilesystem: filesystems,
      byErrno: byErrno.rows(),
      bySubtype: bySubtype.rows(),
      ext4: { topFunctions: fns.rows(TOP_N), topInodes: inodes.rows(TOP_N) },
      xfs: { topAgs: ags.rows(TOP_N), topMetadataTypes: metas.rows(TOP_N) },
      timeline: this.timeline(filesystems.map((f) => f.key)),
      deaths: deaths.sort((a, b) => (a.time < b.time ? -1 : 1)),
      losses: { total: lost, events: lostEvents, byReason: lostReason.rows(), byFilesystem: lostFs.rows() },
      rising: this.rising(last),
    };
  }

  /** Errors per hour (per day past a month) by filesystem, attributed to each event's firstSeen. */
  private timeline(order: string[]): ReportModel['timeline'] {
    const errs = this.events.filter((e) => ERROR_KINDS.has(e.kind));
    if (!errs.length) return { bucketSec: HOUR_SEC, start: null, buckets: 0, total: [], series: [] };
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of errs) {
      lo = Math.min(lo, e.firstSeen);
      hi = Math.max(hi, e.firstSeen);
    }
    const hours = Math.floor(hi / 3.6e9) - Math.floor(lo / 3.6e9) + 1;
    const bucketSec = hours > MAX_HOURLY_BUCKETS ? 24 * HOUR_SEC : HOUR_SEC;
    const bucketUs = bucketSec * 1e6;
    const start = Math.floor(lo / bucketUs) * bucketUs;
    const buckets = Math.floor((hi - start) / bucketUs) + 1;
    const series = new Map(order.map((k) => [k, new Array<number>(buckets).fill(0)]));
    const total = new Array<number>(buckets).fill(0);
    for (const e of errs) {
      const i = Math.floor((e.firstSeen - start) / bucketUs);
      series.get(fsLabel(e))![i]! += e.count;
      total[i]! += e.count;
    }
    return { bucketSec, start: isoUs(start), buckets, total, series: [...series].map(([fs, counts]) => ({ fs, counts })) };
  }

  private rising(lastEvent: number): ReportModel['rising'] {
    const rule = this.opts.rising ?? DEFAULT_RISING;
    const end = this.opts.until ?? (Number.isFinite(lastEvent) ? lastEvent + 1 : 0);
    const w = rule.windowSec * 1e6;
    const lastW = new Map<string, number>();
    const prevW = new Map<string, number>();
    for (const e of this.events) {
      if (!ERROR_KINDS.has(e.kind)) continue;
      const fs = fsLabel(e);
      const t = e.firstSeen;
      if (t >= end - w && t < end) lastW.set(fs, (lastW.get(fs) ?? 0) + e.count);
      else if (t >= end - 2 * w && t < end - w) prevW.set(fs, (prevW.get(fs) ?? 0) + e.count);
    }
    const filesystems: RisingRow[] = [];
    for (const [fs, n] of lastW) {
      const p = prevW.get(fs) ?? 0;
      if (n >= rule.minCount && n > rule.ratio * p) filesystems.push({ fs, last: n, previous: p, ratio: p ? Math.round((n / p) * 100) / 100 : null });
    }
    filesystems.sort((a, b) => b.last - a.last);
    return { rule, filesystems };
  }
}

function isoUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
