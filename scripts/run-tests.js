#!/usr/bin/env node
// Runs every compiled test file under dist/ with node's built-in test runner.
// Node 20's `node --test` takes file paths, not globs, so this script finds them.
// FSFAULT_TEST_FILTER=substring[,substring...] limits the run to files matching any of them;
// FSFAULT_TEST_EXCLUDE=substring[,...] drops files matching any of them (CI splits the suites
// between phases with these, .ci/test-suites.sh). The tests run on the Node that runs this script.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', 'dist');
function walk(dir, out) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) walk(p, out);
    else if (ent.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
if (!fs.existsSync(root)) {
  console.error('run-tests: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const list = (v) => (v || '').split(',').filter(Boolean);
const include = list(process.env.FSFAULT_TEST_FILTER);
const exclude = list(process.env.FSFAULT_TEST_EXCLUDE);
const files = walk(root, [])
  .filter((f) => include.length === 0 || include.some((s) => f.includes(s)))
  .filter((f) => !exclude.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(2);
}
const args = ['--test', '--test-concurrency=1', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
