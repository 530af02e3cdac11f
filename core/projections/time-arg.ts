/**
 * Time arguments of the history commands (--since, --until): an ISO 8601 time, or a duration back
 * from now like `30m`, `1h`, `2d`, `1w`, `90s`. A value that is neither is a CLI_BAD_ARGUMENT naming
 * the option and the value.
 */
import { FsfaultError } from '../errors';

const UNIT_US: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6, w: 7 * 86_400e6 };
const DURATION = /^(\d+(?:\.\d+)?)\s*([smhdw])$/;
// Dates with a time of day or a plain date; Date.parse is lenient about anything else, so gate it.
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** µs since the epoch for `value`, relative durations counted back from `nowUs`. */
export function parseTimeArg(option: string, value: string, nowUs: number = Date.now() * 1000): number {
  const v = value.trim();
  const d = DURATION.exec(v);
  if (d) return Math.round(nowUs - Number(d[1]) * UNIT_US[d[2]!]!);
  if (ISO.test(v)) {
    const ms = Date.parse(v.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return ms * 1000;
  }
  throw new FsfaultError(
    'CLI_BAD_ARGUMENT',
    `option ${option}: '${value}' is not a time; use an ISO time (2026-11-21T05:40:00Z, 2026-11-21) or a duration back from now (30m, 1h, 2d, 1w)`,
    { details: { option, value } },
  );
}
