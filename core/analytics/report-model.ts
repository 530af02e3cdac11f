/**
 * The report model: one fold over ReportEvents, rendered as text, JSON or HTML. The JSON renderer
 * prints this object as is, so field names here are a public format (version 1).
 *
 * Counting: `errors` sums `count` over ERROR, DIED and SUPPRESSED events — each stands for kernel
 * errors (DIED: the fatal one plus those suppressed while queued; SUPPRESSED: those counted after
 * the death). LOST events are not errors fsfault saw but reports it could not make: they are
 * summed separately under `losses`.
 *
 * Memory: the builder folds each event as it arrives into counters bounded by the number of distinct
 * keys (filesystems, errnos, functions ...), never a list of events. What needs every error's time
 * (the timeline's range, the rising windows, which end at the newest event) and the event ids seen
 * (to count an event read from two inputs once) go to a scratch SQLite file (report-scratch.ts).
 */
import { identityBasis, identityKey } from '../model/fs-identity';
import type { FsPlugin, ReportSection } from '../plugin-api';
import { blobField, type ReportEvent } from './report-event';
import { ReportScratch } from './report-scratch';

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
  /** Events of this input counted in the report. */
  events: number;
  /** Events of this input not counted because an earlier input held the same event id. */
  duplicates: number;
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
  /** One per plugin that declares a report section (plugin API `report`), in plugin order. */
  sections: { plugin: string; title: string; tables: { id: string; title: string; label: string; rows: CountRow[] }[] }[];
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

/** A plugin's report section as the builder uses it: which events are its, and what to count. */
export interface PluginReport {
  plugin: string;
  fsTypes: readonly string[];
  section: ReportSection;
}

/** The report sections of a plugin set (plugins without one have none). */
export function reportSectionsOf(plugins: readonly Pick<FsPlugin, 'meta' | 'report'>[]): PluginReport[] {
  return plugins.flatMap((p) => (p.report ? [{ plugin: p.meta.name, fsTypes: p.meta.fsTypes, section: p.report }] : []));
}

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

/**
 * A filesystem's report key: `host:device` plus what identifies it (core/model/fs-identity.ts), so
 * two filesystems that used one device name are two rows; just `host:device` when only the device is
 * known.
 */
export function fsLabel(e: Pick<ReportEvent, 'host' | 'device' | 'uuid' | 'fsid' | 'mountUid' | 'mountPoint' | 'fsType'>): string {
  const id = { type: e.fsType, device: e.device, majorMinor: null, uuid: e.uuid, fsid: e.fsid, mountUid: e.mountUid };
  const device = e.device ?? e.mountPoint ?? e.fsType;
  return identityBasis(id) === 'unknown' ? `${e.host}:${device}` : `${e.host}:${device} ${identityKey(id)}`;
}

export interface BuildOptions {
  since?: number;
  until?: number;
  rising?: RisingRule;
  now?: () => number;
  /** Count an event id once however many inputs hold it (the CLI sets it when there are several inputs). */
  dedupe?: boolean;
  /** The plugins' report sections (reportSectionsOf(plugins)); none: no per-plugin sections. */
  sections?: readonly PluginReport[];
}

export class ReportBuilder {
  readonly inputs: InputSummary[] = [];
  readonly warnings: string[] = [];
  /** Events not counted because an earlier input held the same id. */
  duplicates = 0;
  private scratch: ReportScratch | null = null;
  private readonly byKind = new Counter();
  private readonly byHost = new Counter();
  private readonly byErrno = new Counter();
  private readonly bySubtype = new Counter();
  /** Per plugin section, per table: its counter. */
  private readonly tables: { report: PluginReport; counters: Counter[] }[];
  private readonly lostReason = new Counter();
  private readonly lostFs = new Counter();
  private readonly fsRows = new Map<string, FsRow & { lastUs: number }>();
  private readonly deaths: ReportModel['deaths'] = [];
  /** One copy of each death reason: a report over millions of events lists every death. */
  private readonly reasons = new Map<string, string>();
  private events = 0;
  private errors = 0;
  private lost = 0;
  private lostEvents = 0;
  private first = Infinity;
  private last = -Infinity;

  constructor(private readonly opts: BuildOptions = {}) {
    this.tables = (opts.sections ?? []).map((report) => ({ report, counters: report.section.tables.map(() => new Counter()) }));
  }

  /** The store's query semantics: overlap with [since, until) — lastSeen ≥ since, firstSeen < until. */
  inRange(e: ReportEvent): boolean {
    return (this.opts.since === undefined || e.lastSeen >= this.opts.since) && (this.opts.until === undefined || e.firstSeen < this.opts.until);
  }

  private tmp(): ReportScratch {
    this.scratch ??= new ReportScratch();
    return this.scratch;
  }

  /** Fold one event; false when it is out of range or (dedupe) already counted. */
  add(e: ReportEvent): boolean {
    if (!this.inRange(e)) return false;
    if (this.opts.dedupe && e.id && !this.tmp().firstSighting(e.id)) {
      this.duplicates++;
      return false;
    }
    this.events++;
    this.byKind.add(e.kind, e.count);
    if (e.firstSeen < this.first) this.first = e.firstSeen;
    if (e.lastSeen > this.last) this.last = e.lastSeen;
    const fs = fsLabel(e);
    if (e.kind === 'LOST') {
      this.lost += e.count;
      this.lostEvents++;
      for (const r of e.lostReasons.length ? e.lostReasons : [{ reason: 'unspecified', count: e.count }]) this.lostReason.add(r.reason, r.count);
      for (const f of e.lostByFilesystem) this.lostFs.add(`${e.host}:${f.device}`, f.count);
      return true;
    }
    if (!ERROR_KINDS.has(e.kind)) return true;
    this.errors += e.count;
    this.byHost.add(e.host, e.count);
    this.tmp().addError(fs, e.firstSeen, e.count);
    let row = this.fsRows.get(fs);
    if (!row) {
      row = { key: fs, host: e.host, fsType: e.fsType, device: e.device, mountPoint: e.mountPoint, count: 0, events: 0, lastSeen: '', lastUs: -Infinity, died: false };
      this.fsRows.set(fs, row);
    }
    row.count += e.count;
    row.events++;
    if (e.lastSeen > row.lastUs) row.lastUs = e.lastSeen;
    if (e.kind === 'DIED') {
      row.died = true;
      // The row's strings, not the event's: each decoded event has its own copies, and a report over
      // millions of events keeps every death (140k at 2M generated events) until it is rendered.
      const given = e.deathReason ?? 'unknown';
      let reason = this.reasons.get(given);
      if (reason === undefined) this.reasons.set(given, (reason = given));
      this.deaths.push({ host: row.host, fs: row.key, time: isoUs(e.firstSeen), reason, count: e.count, suppressed: e.suppressed });
    }
    if (e.kind === 'SUPPRESSED') return true; // a tally: no errno/subtype/blob of its own
    this.byErrno.add(e.errnoName ?? (e.errno === null ? 'none' : `E${e.errno}`), e.count);
    for (const s of e.subtypes.length ? e.subtypes : ['unknown']) this.bySubtype.add(s, e.count);
    for (const { report, counters } of this.tables) {
      if (e.plugin !== report.plugin && !report.fsTypes.includes(e.fsType)) continue;
      report.section.tables.forEach((t, i) => {
        const v = (t.eventField ? e[t.eventField] : null) ?? blobField(e.blob, t.fields);
        if (v !== null) counters[i]!.add(t.perFilesystem ? `${fs} ${t.label} ${v}` : String(v), e.count);
      });
    }
    return true;
  }

  /** The model; the builder is done afterwards (its scratch file is gone). */
  build(): ReportModel {
    try {
      const filesystems = [...this.fsRows.values()]
        .map(({ lastUs, ...row }) => ({ ...row, lastSeen: isoUs(lastUs) }))
        .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
      const any = this.events > 0;
      return {
        version: 1,
        generatedAt: new Date(this.opts.now?.() ?? Date.now()).toISOString(),
        range: {
          since: this.opts.since === undefined ? null : isoUs(this.opts.since),
          until: this.opts.until === undefined ? null : isoUs(this.opts.until),
          firstEvent: any ? isoUs(this.first) : null,
          lastEvent: any ? isoUs(this.last) : null,
        },
        inputs: this.inputs,
        warnings: this.warnings,
        totals: { events: this.events, errors: this.errors, lost: this.lost, deaths: this.deaths.length, byKind: this.byKind.rows() },
        byHost: this.byHost.rows(),
        byFilesystem: filesystems,
        byErrno: this.byErrno.rows(),
        bySubtype: this.bySubtype.rows(),
        sections: this.tables.map(({ report, counters }) => ({
          plugin: report.plugin,
          title: report.section.title,
          tables: report.section.tables.map((t, i) => ({ id: t.id, title: t.title, label: t.label, rows: counters[i]!.rows(TOP_N) })),
        })),
        timeline: this.timeline(filesystems.map((f) => f.key)),
        deaths: this.deaths.sort((a, b) => (a.time < b.time ? -1 : 1)), // in place: the builder is done
        losses: { total: this.lost, events: this.lostEvents, byReason: this.lostReason.rows(), byFilesystem: this.lostFs.rows() },
        rising: this.rising(this.last),
      };
    } finally {
      this.close();
    }
  }

  /** Drop the scratch file (build does it; call it when a build is abandoned). */
  close(): void {
    this.scratch?.close();
    this.scratch = null;
  }

  /** Errors per hour (per day past a month) by filesystem, attributed to each event's firstSeen. */
  private timeline(order: string[]): ReportModel['timeline'] {
    const range = this.scratch?.errorTimeRange() ?? null;
    if (!range) return { bucketSec: HOUR_SEC, start: null, buckets: 0, total: [], series: [] };
    const { lo, hi } = range;
    const hours = Math.floor(hi / 3.6e9) - Math.floor(lo / 3.6e9) + 1;
    const bucketSec = hours > MAX_HOURLY_BUCKETS ? 24 * HOUR_SEC : HOUR_SEC;
    const bucketUs = bucketSec * 1e6;
    const start = Math.floor(lo / bucketUs) * bucketUs;
    const buckets = Math.floor((hi - start) / bucketUs) + 1;
    const series = new Map(order.map((k) => [k, new Array<number>(buckets).fill(0)]));
    const total = new Array<number>(buckets).fill(0);
    for (const { fs, bucket, count } of this.scratch!.errorsPerBucket(start, bucketUs)) {
      series.get(fs)![bucket]! += count;
      total[bucket]! += count;
    }
    return { bucketSec, start: isoUs(start), buckets, total, series: [...series].map(([fs, counts]) => ({ fs, counts })) };
  }

  private rising(lastEvent: number): ReportModel['rising'] {
    const rule = this.opts.rising ?? DEFAULT_RISING;
    const end = this.opts.until ?? (Number.isFinite(lastEvent) ? lastEvent + 1 : 0);
    const w = rule.windowSec * 1e6;
    const filesystems: RisingRow[] = [];
    for (const { fs, last: n, previous: p } of this.scratch?.windows(end - 2 * w, end - w, end) ?? []) {
      if (n >= rule.minCount && n > rule.ratio * p) filesystems.push({ fs, last: n, previous: p, ratio: p ? Math.round((n / p) * 100) / 100 : null });
    }
    filesystems.sort((a, b) => b.last - a.last || (a.fs < b.fs ? -1 : 1));
    return { rule, filesystems };
  }
}

function isoUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
