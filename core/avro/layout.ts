/**
 * Where files go, Hive-style so Spark/Hive/BigQuery/DuckDB prune by date and host:
 *
 *   <dir>/dt=YYYY-MM-DD/host=<host>/fsfault-<firstOffset>-<lastOffset>.avro
 *   <dir>/dt=YYYY-MM-DD/host=<host>/.fsfault-<firstOffset>.avro.tmp     (being written)
 *
 * Offsets are store offsets zero-padded to 20 digits so names sort in offset order. `dt` is the UTC
 * day the events *happened* (firstSeen; the connector decides, see connectors/avro-file); a file
 * never spans two days. Temporary names start with a dot, which data-lake readers skip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const PAD = 20;
const FINAL_RE = /^fsfault-(\d{20})-(\d{20})\.avro$/;
const TMP_RE = /^\.fsfault-\d{20}\.avro\.tmp$/;

export function utcDay(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().slice(0, 10);
}

/** Host names become one path segment: anything outside [A-Za-z0-9._-] is replaced by '_'. */
export function hostSegment(host: string): string {
  const s = host.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || s === '.' || s === '..' ? '_' : s;
}

export function partitionDir(root: string, day: string, host: string): string {
  return path.join(root, `dt=${day}`, `host=${hostSegment(host)}`);
}

const pad = (n: number) => String(n).padStart(PAD, '0');

export function finalName(first: number, last: number): string {
  return `fsfault-${pad(first)}-${pad(last)}.avro`;
}

export function tmpName(first: number): string {
  return `.fsfault-${pad(first)}.avro.tmp`;
}

export function parseFinalName(name: string): { first: number; last: number } | null {
  const m = FINAL_RE.exec(name);
  return m ? { first: Number(m[1]), last: Number(m[2]) } : null;
}

export interface HostScan {
  /** Highest last offset among complete files (0 when none). */
  maxLast: number;
  files: { path: string; first: number; last: number }[];
  /** Leftover temporary files of an interrupted run. */
  tmpFiles: string[];
}

/** Every complete and temporary file of one host under `root`, across all days. */
export function scanHost(root: string, host: string): HostScan {
  const out: HostScan = { maxLast: 0, files: [], tmpFiles: [] };
  let days: string[];
  try {
    days = fs.readdirSync(root).filter((d) => d.startsWith('dt='));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const d of days.sort()) {
    const dir = path.join(root, d, `host=${hostSegment(host)}`);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw e;
    }
    for (const n of names.sort()) {
      const f = parseFinalName(n);
      if (f) {
        out.files.push({ path: path.join(dir, n), ...f });
        out.maxLast = Math.max(out.maxLast, f.last);
      } else if (TMP_RE.test(n)) out.tmpFiles.push(path.join(dir, n));
    }
  }
  return out;
}

/** Every `*.avro` file under the given files/directories (recursively), sorted, dot-files skipped. */
export function listAvroFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const n of fs.readdirSync(p).sort()) if (!n.startsWith('.')) walk(path.join(p, n));
    } else if (p.endsWith('.avro')) out.push(p);
  };
  for (const i of inputs) {
    if (fs.statSync(i).isFile()) out.push(i);
    else walk(i);
  }
  return out;
}
