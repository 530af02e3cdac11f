#!/usr/bin/env node
'use strict';
// The CLI entry point: the compiled TypeScript lives in dist/ (npm install runs the build).
const path = require('node:path');
const fs = require('node:fs');
const main = path.join(__dirname, '..', 'dist', 'core', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('fsfault: error [NOT_BUILT]: dist/ is missing; run `npm install` (or `npm run build`) in ' + path.dirname(__dirname) + '\n');
  process.exit(1);
}
// The heap policy first (dist/core/heap-policy.js says why): it must be in effect before the young
// generation grows.
require(path.join(__dirname, '..', 'dist', 'core', 'heap-policy.js')).applyHeapPolicy();
const cli = require(main);
// A closed pipe ends a listing (`fsfault report | head`: exit 0) without a stack trace; for
// `watch`, whose stdout is an event stream, it is an error (OUTPUT_CLOSED, exit 1).
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(cli.stdoutClosed(process.stderr));
  throw e;
});
cli.main(process.argv).then((code) => {
  process.exitCode = code;
});
