/**
 * CLI start-up: wall time of `fsfault --version` and `fsfault status` (on a state directory that
 * does not exist: the command loads, parses and fails fast) against `node -e 0` measured in the
 * same run, interleaved so both see the same machine load. Median of N runs (FSFAULT_BENCH_RUNS,
 * default 15). Target: each command <= 0.2 s on an idle machine; the overhead over bare node is
 * printed too, since that is what fsfault adds.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const RUNS = Number(process.env.FSFAULT_BENCH_RUNS ?? 15);
const TARGET_S = 0.2;
const bin = path.resolve(__dirname, '..', '..', 'bin', 'fsfault.js');
const CASES: { label: string; args: string[] }[] = [
  { label: 'node -e 0', args: ['-e', '0'] },
  { label: 'fsfault --version', args: [bin, '--version'] },
  { label: 'fsfault status', args: [bin, 'status', '--state-dir', '/nonexistent/fsfault-bench'] },
];

function once(args: string[]): number {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, args, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const times = CASES.map(() => [] as number[]);
for (let i = 0; i < RUNS; i++) CASES.forEach((c, k) => times[k]!.push(once(c.args)));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(times[0]!);
let miss = false;
CASES.forEach((c, k) => {
  const m = median(times[k]!);
  const over = k === 0 ? '' : `, ${((m - base) * 1000).toFixed(0)} ms over bare node, ${(m / base).toFixed(2)}x (target <= ${TARGET_S} s)`;
  if (k > 0 && m > TARGET_S) miss = true;
  console.log(`cli-startup ${c.label}: ${m.toFixed(3)} s median of ${RUNS}${over}`);
});
if (miss) process.exitCode = 1;
