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

export function parseTimeArg(option: string, value: string, nowUs: number = Date.now() * 1000): number {
  const v = value.trim();
  const d = DURATION.exec(v);
  if (d) return Math.round(nowUs - Number(d[1]) * UNIT_US[d[2]!]!);
  if (v === 'now') return nowUs;
  if (/^\d{9,11}$/.test(v)) return Number(v) * 1e6;
  if (ISO.test(v)) {
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
