/**
 * `--since` / `--until` values of every command that reads history: an ISO 8601 date or date-time
 * (a date alone is UTC midnight; a date-time without a zone is UTC too, so the same command reads
 * the same on every host), a duration back from now (`90s`, `30m`, `1.5h`, `2d`, `1w`), `now`, or
 * Unix seconds. Returns µs since the epoch; anything else is a CLI_BAD_ARGUMENT naming the option.
 */
import { FsfaultError } from '../errors';

const UNIT_US: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6, w: 7 * 86_400e6 };
const DURATION = /^(\d+(?:\.\d+)?)\s*([smhdw])$/;
// Date.parse is lenient about anything else, so gate it.
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Date.parse rolls 2026-02-30 over to March 2nd and 24:00 to the next day: refuse what no calendar has. */
function calendarValid(v: string): boolean {
  const [y, mo, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return false;
  const t = /[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(v);
  return !t || (Number(t[1]) < 24 && Number(t[2]) < 60 && Number(t[3] ?? 0) < 60);
}

export function parseTimeArg(option: string, value: string, nowUs: number = Date.now() * 1000): number {
  const v = value.trim();
  const d = DURATION.exec(v);
  if (d) return Math.round(nowUs - Number(d[1]) * UNIT_US[d[2]!]!);
  if (v === 'now') return nowUs;
  if (/^\d{9,11}$/.test(v)) return Number(v) * 1e6;
  if (ISO.test(v) && calendarValid(v)) {
    const hasZone = v.length > 10 && /(Z|[+-]\d{2}:?\d{2})$/.test(v);
    const iso = v.length === 10 ? `${v}T00:00:00Z` : hasZone ? v.replace(' ', 'T') : `${v.replace(' ', 'T')}Z`;
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms)) return ms * 1000;
  }
  throw new FsfaultError(
    'CLI_BAD_ARGUMENT',
    `option ${option}: '${value}' is not a time; use an ISO time (2026-11-21T05:40:00Z, 2026-11-21), a duration back from now (30m, 1h, 2d, 1w), now, or Unix seconds`,
    { details: { option, value } },
  );
}

/**
 * `--since` and `--until` together, in µs: each parsed as above, and a range that ends before it
 * starts is refused (it can match nothing, which is never what was meant).
 */
export function timeRange(opts: { since?: string; until?: string }, nowUs: number = Date.now() * 1000): { since?: number; until?: number } {
  const since = opts.since === undefined ? undefined : parseTimeArg('--since', opts.since, nowUs);
  const until = opts.until === undefined ? undefined : parseTimeArg('--until', opts.until, nowUs);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new FsfaultError('CLI_BAD_ARGUMENT', `--since ${opts.since} is not before --until ${opts.until}: the range is empty`, {
      details: { since: opts.since, until: opts.until },
    });
  }
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
}
