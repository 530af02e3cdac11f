#!/usr/bin/env bash
# Every test suite on Node 20 (the machine's node) and the unit and kernel suites on Node 24, in
# four phases so that independent suites overlap on the 2-core CI machine while kernel suites
# (loop mounts, /dev/kmsg, sysctls) never run at the same time as each other:
#   1. Node 20 kernel suites        ‖ Node 24 install + per-ABI native build, then Node 24 unit suite
#   2. Node 24 kernel suites and the Kafka client-output test (kafkajs on Node 24: #1751)
#                                   ‖ Node 20 unit suite
#   3. Node 20 remaining suites (Kafka, install, interop, fleet, fuzz) — these start brokers and
#      JVMs and load both cores on their own.
#   4. The addon under AddressSanitizer + UndefinedBehaviorSanitizer (scripts/native-sanitize.sh).
# A suite's output goes to the log as it runs (background suites to a file printed when they end).
# Exit status: 1 if any suite failed; the failed suites are named at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
kernel='/kernel/,kafka/kernel-e2e'   # every test that touches the kernel (loop mounts, kmsg)
# On a machine shared with other kernel-test runs, FSFAULT_KERNEL_LOCK=<file> serialises them (flock).
locked=''
[ -z "${FSFAULT_KERNEL_LOCK:-}" ] || locked="flock $FSFAULT_KERNEL_LOCK"
logs="$(mktemp -d)"
failed=()
t0=$SECONDS
phase() { printf '\n== tests: %s (%ss)\n' "$1" "$SECONDS"; }
suite() { # name, then env assignments and the command
  local name="$1"; shift
  local s=$SECONDS
  env "$@"; local rc=$?
  printf '\n-- %s: exit %s, %ss\n' "$name" "$rc" "$((SECONDS - s))"
  [ "$rc" -eq 0 ] || failed+=("$name")
}
background() { # name, env + command: runs in the background (its pid in $!), output to $logs/<name>.log
  local name="$1"; shift
  ( s=$SECONDS; env "$@"; rc=$?; printf '\n-- %s: exit %s, %ss\n' "$name" "$rc" "$((SECONDS - s))"; exit $rc ) >"$logs/$name.log" 2>&1 &
}
collect() { # name pid
  wait "$2"; local rc=$?
  printf '\n==== output of %s (ran in the background) ====\n' "$1"
  cat "$logs/$1.log"
  [ "$rc" -eq 0 ] || failed+=("$1")
}

npm run build || exit 1

phase '1: Node 20 kernel suites ‖ Node 24 install, native build, unit suite'
background node24-unit bash -c '
  bin="$(bash .ci/node24.sh | tail -1)" || exit 1
  echo "$bin" > '"$logs"'/node24-bin
  PATH="$bin:$PATH" FSFAULT_TEST_FILTER=/unit/ "$bin/node" scripts/run-tests.js'
pid=$!
suite node20-kernel FSFAULT_TEST_FILTER="$kernel" $locked node scripts/run-tests.js
collect node24-unit "$pid"

phase '2: Node 24 kernel suites + kafka/client-output ‖ Node 20 unit suite'
if [ -s "$logs/node24-bin" ]; then
  bin="$(cat "$logs/node24-bin")"
  background node20-unit FSFAULT_TEST_FILTER=/unit/ node scripts/run-tests.js
  pid=$!
  suite node24-kernel-kafka PATH="$bin:$PATH" FSFAULT_TEST_FILTER="$kernel,kafka/client-output" $locked "$bin/node" scripts/run-tests.js
  collect node20-unit "$pid"
else
  failed+=(node24-kernel-kafka)   # Node 24 could not be installed or built: its suites cannot run
  suite node20-unit FSFAULT_TEST_FILTER=/unit/ node scripts/run-tests.js
fi

phase '3: Node 20 remaining suites'
suite node20-rest FSFAULT_TEST_EXCLUDE="/unit/,$kernel" node scripts/run-tests.js

# Alone: it builds the addon again and loads both cores, which starved the paced error flood of a
# kernel suite running beside it (the slow-disk control then found its flood too weak).
phase '4: the native addon under ASan+UBSan (native unit tests, fuzz targets, worker teardown)'
suite sanitizer $locked bash scripts/native-sanitize.sh dist/test/kernel/native-teardown.test.js

printf '\n== tests: %ss in all\n' "$((SECONDS - t0))"
rm -rf "$logs"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed suites: ${failed[*]}"
  exit 1
fi
echo "every suite passed (Node 20: all; Node 24: unit, kernel, kafka/client-output; the sanitizer run)"
