/**
 * Memory and speed of the commands that read a whole store: `report`, `summary`, `export` and
 * `events` over a store of N generated events (default 2M), each run as its own process under GNU
 * time (peak RSS, %M). Prints per command the peak RSS and events/s (the target: at most 250 MB at
 * 2M events, flat in N).
 *
 *   node dist/bench/store-commands.js [--events 2000000] [--cli DIR] [--dir TMP] [--only report,summary]
 *
 * --cli DIR runs another build (a checkout with bin/ and dist/): the store is generated with that
 * build's own store code (its store version), so a "before" figure comes from the same script.
 * The events: the store tests' random generator (ERROR/DIED/SUPPRESSED/LOST over 4 devices, ext4
 * and XFS, a plugin blob with a function), ~5 s apart on average, so 2M events span ~4 months.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type * as StoreModule from '../core/store/sqlite-store';
import type * as GenModule from '../test/unit/store-test-events';
import { timed } from './replay-memory';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const EVENTS = Number(arg('--events', '2000000'));
const CLI = path.resolve(arg('--cli', path.join(__dirname, '..', '..')));
const BASE = arg('--dir', os.tmpdir());
const ONLY = arg('--only', 'report,summary,export,events').split(',');
const BATCH = 5000;

/** Child mode: fill a store with the store code of the build under test. */
function generate(stateDir: string): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- the build under test, not this one */
  const { SqliteStore } = require(path.join(CLI, 'dist', 'core', 'store', 'sqlite-store.js')) as typeof StoreModule;
  const gen = require(path.join(CLI, 'dist', 'test', 'unit', 'store-test-events.js')) as typeof GenModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const store = SqliteStore.open({ stateDir, host: 'bench', codec: gen.testCodec(), durability: 'off', retention: { maxBytes: 2 ** 40, maxAgeDays: 100_000, policy: 'block' } });
  const r = gen.rng(7);
  let t = 1_780_000_000_000_000;
  for (let n = 0; n < EVENTS; n += BATCH) {
    const batch = gen.randomEvents(r, Math.min(BATCH, EVENTS - n), t);
    t = batch[batch.length - 1]!.lastSeen + 1;
    store.append(batch);
  }
  store.close();
}

function main(): void {
  if (!fs.existsSync('/usr/bin/time')) throw new Error('needs /usr/bin/time (apt-get install time)');
  const dir = fs.mkdtempSync(path.join(BASE, 'fsfault-bench-store-'));
  fs.chmodSync(dir, 0o700);
  try {
    const t0 = Date.now();
    const g = spawnSync(process.execPath, [__filename, '--generate', dir, '--cli', CLI, '--events', String(EVENTS)], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error('generating the store failed');
    const db = path.join(dir, 'bench.fsfault.db');
    console.log(`store: ${EVENTS} events, ${(fs.statSync(db).size / 1048576).toFixed(0)} MiB, generated in ${((Date.now() - t0) / 1000).toFixed(0)} s (${CLI})`);
    const where = ['--state-dir', dir, '--host', 'bench'];
    const commands: Record<string, string[]> = {
      report: ['report', '--input', db, '--format', 'json'],
      summary: ['summary', '--json', ...where],
      export: ['export', '--store', db, '--out', path.join(dir, 'export.avro')],
      events: ['events', '--json', ...where],
    };
    let worst = 0;
    for (const name of ONLY) {
      const run = timed(CLI, commands[name]!);
      const status = run.ok ? '' : `  FAILED: ${run.stderr.split('\n').slice(-2).join(' | ').slice(0, 200)}`;
      console.log(`${name.padEnd(8)} ${EVENTS} events: rss ${run.rssMiB.toFixed(0)} MiB, ${run.seconds.toFixed(1)} s, ${Math.round(EVENTS / run.seconds)} events/s${status}`);
      if (!run.ok) process.exitCode = 1;
      worst = Math.max(worst, run.rssMiB);
      fs.rmSync(path.join(dir, 'export.avro'), { force: true });
    }
    console.log(`store commands: worst peak rss ${worst.toFixed(0)} MiB (target <= 250 MB at 2M events)`);
    if (worst * 1.048576 > 250 && EVENTS >= 2_000_000) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--generate')) generate(arg('--generate', ''));
else main();
