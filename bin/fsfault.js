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
// A closed pipe (`fsfault report | head`) ends the output, not the program with a stack trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
require(main).main(process.argv).then((code) => {
  process.exitCode = code;
});
