/**
 * `--since` / `--until` values: an ISO 8601 date or date-time (a date alone is UTC midnight; a
 * date-time without zone is UTC too, so a report reads the same on every host), a duration before
 * now (`90m`, `24h`, `7d`, `2w`), `now`, or Unix seconds. Returns µs since the epoch.
 */
import { FsfaultError } from '../errors';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseTimeArg(option: string, value: string, nowMs: number = Date.now()): number {
  const v = value.trim();
  const rel = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(v);
  if (rel) return Math.round((nowMs - Number(rel[1]) * UNIT_MS[rel[2]!]!) * 1000);
  if (v === 'now') return nowMs * 1000;
  if (/^\d{9,11}$/.test(v)) return Number(v) * 1_000_000;
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v)) {
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(v) && v.length > 10;
    const iso = v.length === 10 ? `${v}T00:00:00Z` : hasZone ? v.replace(' ', 'T') : `${v.replace(' ', 'T')}Z`;
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms)) return ms * 1000;
  }
  throw new FsfaultError('CLI_BAD_ARGUMENT', `option ${option}: '${value}' is not a time (use 2025-01-15, 2025-01-15T10:00:00Z, 24h, 7d, now or Unix seconds)`);
}

export function isoUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
