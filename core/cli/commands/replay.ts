/**
 * `fsfault replay --from OFFSET [--end OFFSET] [--to stdout|kafka|avro]`: deliver stored history
 * again. stdout prints JSON lines (as watch --json); kafka and avro go through the configured
 * connector (deps.replayInto). Replay reads the store read-only and moves no connector cursor.
 */
import type { Command } from 'commander';
import { FsfaultError } from '../../errors';
import { jsonView } from '../../model/json-view';
import type { LocalStore } from '../../store/local-store';
import { replayEvents } from '../../store/replay';
import { addStoreLocationOptions, withStore, writeLines, type StoreCommandDeps, type StoreLocationOptions } from '../store-commands';

export const REPLAY_TARGETS = ['stdout', 'kafka', 'avro'] as const;
export type ReplayTarget = (typeof REPLAY_TARGETS)[number];

export interface ReplayOptions extends StoreLocationOptions {
  from: string;
  end?: string;
  to?: string;
}

function offsetArg(option: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new FsfaultError('CLI_BAD_ARGUMENT', `option ${option} must be an event offset, a whole number (got '${v}')`, { details: { option, value: v } });
  return Number(v);
}

export interface ReplayPlan {
  from: number;
  end: number;
  target: ReplayTarget;
  /** Set when part of the range is no longer retained. */
  warning: string | null;
}

export function replayPlan(store: LocalStore, opts: ReplayOptions): ReplayPlan {
  const from = Math.max(1, offsetArg('--from', opts.from));
  const head = store.headOffset();
  if (opts.end !== undefined && offsetArg('--end', opts.end) < offsetArg('--from', opts.from)) {
    throw new FsfaultError('CLI_BAD_ARGUMENT', `option --end ${opts.end} is before --from ${opts.from}: the range is empty`, { details: { from: opts.from, end: opts.end } });
  }
  const end = opts.end === undefined ? head : Math.min(offsetArg('--end', opts.end), head);
  const target = (opts.to ?? 'stdout') as ReplayTarget;
  if (!REPLAY_TARGETS.includes(target)) throw new FsfaultError('CLI_BAD_ARGUMENT', `option --to: '${opts.to}' is not a replay target (one of ${REPLAY_TARGETS.join(', ')})`);
  const first = store.info().firstOffset;
  const warning = from < first && from <= end ? `offsets ${from}-${Math.min(first - 1, end)} were removed by retention; replaying from ${first}` : null;
  return { from, end, target, warning };
}

export function* replayLines(store: LocalStore, from: number, end: number): Generator<string> {
  for (const s of replayEvents(store, from, end)) yield JSON.stringify(jsonView(s.event, s.offset));
}

export function register(program: Command, deps: StoreCommandDeps): void {
  addStoreLocationOptions(
    program
      .command('replay')
      .description('deliver stored events again, from an offset (see fsfault events for offsets)')
      .requiredOption('--from <offset>', 'first offset to deliver')
      .option('--end <offset>', 'last offset to deliver (default: the newest event)')
      .option('--to <target>', `where to: ${REPLAY_TARGETS.join(', ')} (default stdout: JSON lines)`),
  ).action(async (opts: ReplayOptions) => {
    await withStore(deps, opts, async (store) => {
      const plan = replayPlan(store, opts);
      if (plan.warning) deps.io.err.write(`fsfault: ${plan.warning}\n`);
      let n: number;
      if (plan.target === 'stdout') {
        n = await writeLines(deps.io.out, replayLines(store, plan.from, plan.end));
      } else {
        if (!deps.replayInto) throw new FsfaultError('CLI_BAD_ARGUMENT', `replay --to ${plan.target} is not available: no ${plan.target} connector is wired into this fsfault`);
        n = await deps.replayInto(plan.target, store, plan.from, plan.end, opts.config);
      }
      deps.io.err.write(`fsfault: replayed ${n} event${n === 1 ? '' : 's'}\n`);
    });
  });
}
