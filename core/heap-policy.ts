/**
 * fsfault's V8 heap policy: a product decision, applied by bin/fsfault.js before anything else
 * loads, so every way fsfault starts (the `fsfault` command, the systemd unit, the .deb and npm
 * packages, `node bin/fsfault.js`, `npm start`) runs with it. README "Memory bounds" has the figures.
 *
 * Why: fsfault's live heap is small and flat (≈15–25 MB while replaying 10M lines or reporting over
 * 2M events; heap snapshots and --trace-gc in the README), but V8's defaults size the heap for a
 * browser tab on a big machine, not for a host agent: the young generation grows to 2 × 16 MiB
 * semi-spaces, and the old generation may grow to up to 4 × its live size (plus the young
 * generation's capacity) before a full GC. For fsfault that made a 200k-line replay peak at ~200 MB
 * RSS for ~20 MB of live objects. Two V8 flags change that, both read by V8 at every GC, so they
 * can be set at run time (v8.setFlagsFromString) and need no node command-line flag:
 *
 * - `--semi-space-growth-factor=1`: the young generation keeps V8's initial 1 MiB semi-spaces.
 * - `--heap-growing-percent=100`: the old generation is collected when it doubles its live size.
 *
 * Cost: more frequent GCs — measured +10–25 % CPU in a replay flood or a report over millions of
 * events (README). FSFAULT_HEAP_POLICY=v8 leaves V8's defaults (for comparison, or for a machine
 * where memory is cheaper than CPU).
 */
import * as v8 from 'node:v8';

export const HEAP_POLICY_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--heap-growing-percent=100'];

/** Apply the policy unless `env.FSFAULT_HEAP_POLICY` is `v8`; returns the flags applied. */
export function applyHeapPolicy(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  if (env.FSFAULT_HEAP_POLICY === 'v8') return [];
  for (const f of HEAP_POLICY_FLAGS) v8.setFlagsFromString(f);
  return HEAP_POLICY_FLAGS;
}

/** V8's own values of the policy's flags (`node --v8-options`). */
export const V8_DEFAULT_HEAP_FLAGS: readonly string[] = ['--semi-space-growth-factor=2', '--heap-growing-percent=0'];

/**
 * For `fleet serve`, which is not a host agent: it runs next to Kafka and allocates per message
 * at 10^4–10^5 events/s (kafkajs' decoded records, Avro values, state records). Under the agent
 * policy its 1 MiB young generation made GC 49 % of its CPU in bench/fleet, against 23 % with
 * V8's defaults; its memory is bounded by the fleet's size (the view), not by the event rate.
 * Set at run time, like the policy itself (both flags are read at every GC).
 */
export function useV8HeapDefaults(): readonly string[] {
  for (const f of V8_DEFAULT_HEAP_FLAGS) v8.setFlagsFromString(f);
  return V8_DEFAULT_HEAP_FLAGS;
}
