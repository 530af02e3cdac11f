#!/usr/bin/env bash
# The native addon under AddressSanitizer + UndefinedBehaviorSanitizer: builds a sanitized copy of
# native/ in a temporary directory (the normal build is untouched), then runs the native unit tests
# and the fuzz targets (the C++ kmsg and fanotify parsers get random and mutated input) against it,
# with the ASan runtime preloaded into node. Any report fails the run (halt_on_error).
#   bash scripts/native-sanitize.sh [extra test files ...]   e.g. dist/test/kernel/native-kmsg.test.js (root)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d /tmp/fsfault-asan-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r native/binding.gyp native/src "$work/"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
# binding.gyp finds node-addon-api with require.resolve: from the repo's node_modules.
NODE_PATH="$root/node_modules" CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
  node "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --directory "$work" --nodedir=/usr >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
addon="$work/build/Release/fsfault_native.node"
[ -f dist/test/unit/fuzz.test.js ] || npm run build
asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
echo "sanitized addon: $addon"
# detect_leaks=0: node itself is not instrumented and keeps its heap to exit.
LD_PRELOAD="$asan:$ubsan" \
ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:verify_asan_link_order=0" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
FSFAULT_NATIVE_ADDON="$addon" FSFAULT_FUZZ_MS="${FSFAULT_FUZZ_MS:-5000}" \
  node --test --test-concurrency=1 dist/test/unit/native-*.test.js dist/test/unit/fuzz.test.js "$@"
