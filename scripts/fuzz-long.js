#!/usr/bin/env node
// The long fuzz run: every target of test/fuzz/targets.ts for FSFAULT_FUZZ_SECONDS each (default
// 60), printing how many inputs each tried. Build first (npm run build); a failure prints
// fast-check's shrunk counterexample and the seed, and exits 1.
//   node scripts/fuzz-long.js [seconds-per-target] [seed]
'use strict';
const path = require('node:path');
const { TARGETS, runTarget } = require(path.join(__dirname, '..', 'dist', 'test', 'fuzz', 'targets.js'));

async function main() {
  const seconds = Number(process.argv[2] ?? process.env.FSFAULT_FUZZ_SECONDS ?? 60);
  const seed = process.argv[3] === undefined ? Date.now() % 2 ** 31 : Number(process.argv[3]);
  if (!(seconds > 0)) throw new Error(`seconds per target must be > 0 (got ${process.argv[2]})`);
  console.log(`fuzz-long: ${seconds} s per target, seed ${seed}`);
  let total = 0;
  for (const t of TARGETS) {
    const t0 = Date.now();
    const n = await runTarget(t, seconds * 1000, seed);
    total += n;
    const s = (Date.now() - t0) / 1000;
    console.log(`${t.name.padEnd(62)} ${String(n).padStart(10)} inputs  ${s.toFixed(1)} s  ${Math.round(n / s)}/s`);
  }
  console.log(`total ${total} inputs, no failure`);
}

main().catch((e) => {
  console.error(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
