/**
 * The fuzz targets (test/fuzz/targets.ts), a couple of seconds each (FSFAULT_FUZZ_MS overrides):
 * no crash, no hang, every rejection typed. scripts/fuzz-long.js runs them for minutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget, TARGETS } from '../fuzz/targets';

const MS = Number(process.env.FSFAULT_FUZZ_MS ?? 2000);
// A new seed each run, printed before any input is tried (a crash kills the process, so it must
// already be in the log): FSFAULT_FUZZ_SEED=N replays that run.
const SEED = Number(process.env.FSFAULT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

for (const t of TARGETS) {
  test(`fuzz: ${t.name}`, { timeout: MS + 60_000 }, async () => {
    console.log(`# fuzz ${t.name}: seed ${SEED} (FSFAULT_FUZZ_SEED=${SEED} replays it)`);
    const n = await runTarget(t, MS, SEED);
    console.log(`# fuzz ${t.name}: ${n} inputs in ~${MS} ms`);
    assert.ok(n > 0, 'tried at least one input');
  });
}
