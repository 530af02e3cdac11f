/**
 * fsfault's own diagnostics: leveled lines on stderr (stdout may carry events). Hand-written rather
 * than a logging library because it is ~60 lines and must do one systemd-specific thing exactly:
 * when stderr is the journal (JOURNAL_STREAM names stderr's device:inode, see systemd.exec(5)),
 * every line starts with the syslog priority `<N>` so journald files it at that priority and
 * `journalctl -p warning` works; the journal stamps time itself, so no timestamp then.
 * Elsewhere text lines are `<ISO time> <level> fsfault: <message>`; json lines are
 * `{"time","level","msg"}` objects.
 */
import * as fs from 'node:fs';
import type { Writable } from 'node:stream';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'text' | 'json';

/** syslog(3) priorities, as journald reads them from a `<N>` prefix. */
const PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

export interface Logger {
  readonly level: LogLevel;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  out: Writable;
  /** Prefix priorities for journald (default: detected from JOURNAL_STREAM and stderr). */
  journald?: boolean;
  now?: () => Date;
}

/** True when fd 2 is the stream systemd connected to the journal (JOURNAL_STREAM="dev:ino"). */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fs.fstatSync(2);
    return String(st.dev) === m[1] && String(st.ino) === m[2];
  } catch {
    return false;
  }
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? 'info';
  const format = opts.format ?? 'text';
  const journald = opts.journald ?? stderrIsJournal();
  const now = opts.now ?? (() => new Date());
  const max = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) <= max;
  const write = (l: LogLevel, message: string) => {
    if (!enabled(l)) return;
    const prefix = journald ? `<${PRIORITY[l]}>` : '';
    // One record per line: a message with newlines would otherwise become several journal entries.
    const msg = message.replace(/\n/g, '\\n');
    const line =
      format === 'json'
        ? JSON.stringify({ time: now().toISOString(), level: l, msg: message })
        : journald
          ? `fsfault: ${msg}`
          : `${now().toISOString()} ${l} fsfault: ${msg}`;
    opts.out.write(`${prefix}${line}\n`);
  };
  return {
    level,
    enabled,
    error: (m) => write('error', m),
    warn: (m) => write('warn', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
  };
}
