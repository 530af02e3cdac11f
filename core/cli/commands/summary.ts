/**
 * `fsfault summary [--since T] [--until T] [--json]`: error counts per filesystem, errno, code
 * location (ext4 function, XFS allocation group) and kind, like `ras-mc-ctl --summary`.
 */
import type { Command } from 'commander';
import { timeRange } from '../time-arg';
import { summarize, summaryText, type Summary } from '../../projections/summary';
import type { LocalStore } from '../../store/local-store';
import { addStoreLocationOptions, withStore, type StoreCommandDeps, type StoreLocationOptions } from '../store-commands';
import type { EventQuery, StoredEvent } from '../../store/types';
import { progress } from '../progress';

export interface SummaryOptions extends StoreLocationOptions {
  since?: string;
  until?: string;
  json?: boolean;
}

/** Stored events as they are read, reporting the offset reached (for a progress indicator). */
function* tracked(events: Iterable<StoredEvent>, onOffset: (offset: number, n: number) => void): Generator<StoredEvent> {
  let n = 0;
  for (const s of events) {
    if (++n % 1000 === 0) onOffset(s.offset, n);
    yield s;
  }
}

/** Counted while the store is read (its scan()): memory does not grow with the history. */
export function summaryOf(store: LocalStore, opts: SummaryOptions, nowUs: number = Date.now() * 1000, err?: NodeJS.WritableStream & { isTTY?: boolean }): Summary {
  const q: EventQuery = { ...timeRange(opts, nowUs) };
  if (!err) return summarize(store.scan(q));
  const bar = progress(err, 'summarising', store.headOffset());
  try {
    return summarize(tracked(store.scan(q), (offset, n) => bar.update(offset, n)));
  } finally {
    bar.clear();
  }
}

export function summaryOutput(store: LocalStore, opts: SummaryOptions, nowUs?: number, err?: NodeJS.WritableStream & { isTTY?: boolean }): string {
  return summaryFormat(summaryOf(store, opts, nowUs, err), opts);
}

function summaryFormat(s: Summary, opts: SummaryOptions): string {
  if (opts.json) return `${JSON.stringify(s, null, 2)}\n`;
  const window = [opts.since !== undefined ? `since ${opts.since}` : '', opts.until !== undefined ? `until ${opts.until}` : ''].filter(Boolean).join(' ') || 'in the retained history';
  return summaryText(s, window);
}

export function register(program: Command, deps: StoreCommandDeps): void {
  addStoreLocationOptions(
    program
      .command('summary')
      .description('count stored errors per filesystem, errno, code location and kind')
      .option('--since <time>', 'from this time: ISO or a duration back from now (30m, 1h, 2d)')
      .option('--until <time>', 'up to this time (same forms)')
      .option('--json', 'print the counts as JSON'),
  ).action(async (opts: SummaryOptions) => {
    await withStore(deps, opts, (store) => {
      const s = summaryOf(store, opts, undefined, deps.io.err as NodeJS.WritableStream & { isTTY?: boolean });
      deps.io.out.write(summaryFormat(s, opts));
      if (s.events === 0) deps.io.err.write('fsfault: no stored events match\n');
    });
  });
}
