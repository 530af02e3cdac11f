/**
 * The fuzz targets (test/fuzz/targets.ts), a couple of seconds each (FSFAULT_FUZZ_MS overrides):
 * no crash, no hang, every rejection typed. scripts/fuzz-long.js runs them for minutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget, TARGETS } from '../fuzz/targets';

const MS = Number(process.env.FSFAULT_FUZZ_MS ?? 2000);

for (const t of TARGETS) {
  test(`fuzz: ${t.name}`, { timeout: MS + 60_000 }, async () => {
    const n = await runTarget(t, MS);
    console.log(`# fuzz ${t.name}: ${n} inputs in ~${MS} ms`);
    assert.ok(n > 0, 'tried at least one input');
  });
}
