/**
 * `fsfault events [--since T] [--until T] [--fs DEV] [--kind K] [--limit N] [--json]`: the stored
 * history, oldest first, like `ras-mc-ctl --errors`. T is an ISO time or a duration back from now.
 */
import type { Command } from 'commander';
import { FsfaultError } from '../../errors';
import { EVENT_KINDS, type EventKind } from '../../model/event';
import { jsonView, textView } from '../../model/json-view';
import { timeRange } from '../time-arg';
import type { LocalStore } from '../../store/local-store';
import { addStoreLocationOptions, withStore, writeLines, type StoreCommandDeps, type StoreLocationOptions } from '../store-commands';
import type { EventQuery } from '../../store/types';

export interface EventsOptions extends StoreLocationOptions {
  since?: string;
  until?: string;
  fs?: string;
  kind?: string;
  limit?: string;
  json?: boolean;
}

/** The query the options describe; bad values are CLI_BAD_ARGUMENT naming the option. */
export function eventsQuery(opts: EventsOptions, nowUs: number = Date.now() * 1000): EventQuery {
  const q: EventQuery = { ...timeRange(opts, nowUs) };
  if (opts.fs !== undefined) q.device = opts.fs.replace(/^\/dev\//, '');
  if (opts.kind !== undefined) {
    const k = opts.kind.toUpperCase();
    if (!EVENT_KINDS.includes(k as EventKind)) {
      throw new FsfaultError('CLI_BAD_ARGUMENT', `option --kind: '${opts.kind}' is not an event kind (one of ${EVENT_KINDS.join(', ')})`, { details: { option: '--kind', value: opts.kind } });
    }
    q.kind = k as EventKind;
  }
  if (opts.limit !== undefined) {
    if (!/^\d+$/.test(opts.limit) || Number(opts.limit) < 1) throw new FsfaultError('CLI_BAD_ARGUMENT', `option --limit must be a positive whole number (got '${opts.limit}')`);
    q.limit = Number(opts.limit);
  }
  return q;
}

/** One line per matching event: `offset text` or a JSON object. */
export function* eventLines(store: LocalStore, q: EventQuery, json: boolean): Generator<string> {
  for (const s of store.scan(q)) yield json ? JSON.stringify(jsonView(s.event, s.offset)) : `${String(s.offset).padStart(8)} ${textView(s.event)}`;
}

export function register(program: Command, deps: StoreCommandDeps): void {
  addStoreLocationOptions(
    program
      .command('events')
      .description('print stored events, oldest first (filter by time, filesystem, kind)')
      .option('--since <time>', 'events still active at or after this time: ISO (2026-11-21T05:00:00Z) or a duration back from now (30m, 1h, 2d)')
      .option('--until <time>', 'events that began before this time (same forms)')
      .option('--fs <device>', 'only this device (loop0, sda1, /dev/sda1)')
      .option('--kind <kind>', `only this kind (${EVENT_KINDS.join(', ')})`)
      .option('--limit <n>', 'at most n events')
      .option('--json', 'JSON lines (the same fields as watch --json, plus offset)'),
  ).action(async (opts: EventsOptions) => {
    const q = eventsQuery(opts);
    await withStore(deps, opts, async (store) => {
      const n = await writeLines(deps.io.out, eventLines(store, q, opts.json ?? false));
      if (n === 0 && !opts.json) deps.io.err.write('fsfault: no stored events match\n');
    });
  });
}
