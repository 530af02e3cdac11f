/**
 * `fsfault status [--json] [--rebuild]`: per-filesystem health from the local store, one line each.
 * Reads the projection the writer keeps (cheap, works beside a running watch); --rebuild folds it
 * afresh from the retained log instead, read-only, to check or to recover from a bad projection.
 */
import type { Command } from 'commander';
import { statusJson, statusText } from '../../projections/status-view';
import type { LocalStore } from '../../store/local-store';
import { addStoreLocationOptions, withStore, type StoreCommandDeps, type StoreLocationOptions } from '../store-commands';

export interface StatusOptions extends StoreLocationOptions {
  json?: boolean;
  rebuild?: boolean;
}

export function statusOutput(store: LocalStore, opts: StatusOptions): string {
  const projection = opts.rebuild ? store.projectFromLog() : store.health();
  const info = store.info();
  return opts.json ? `${JSON.stringify(statusJson(projection, info), null, 2)}\n` : statusText(projection, info);
}

export function register(program: Command, deps: StoreCommandDeps): void {
  addStoreLocationOptions(
    program
      .command('status')
      .description('health of every filesystem fsfault has seen errors on: state, errors, last error, last death, losses')
      .option('--json', 'print the projection and store details as JSON')
      .option('--rebuild', 'fold the health afresh from the stored events instead of reading the kept projection'),
  ).action(async (opts: StatusOptions) => {
    await withStore(deps, opts, (store) => deps.io.out.write(statusOutput(store, opts)));
  });
}
