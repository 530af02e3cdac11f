/**
 * Child of store-scan-memory.test: reads a whole store back through the read paths the commands use
 * (replayEvents: `replay`, the connectors' re-delivery; the store's scan(): `events`, `summary`) under the
 * product's heap policy, with live objects beside it (a running agent's heap), and prints the old
 * generation's size and memoryUsage().arrayBuffers after 10k rows and at most after every 1000 rows
 * up to the end. Run in its own process so the heap flags and the figures are its own.
 *
 *   node scan-memory-child.js STATE_DIR replay|scan BALLAST_MIB
 */
import * as v8 from 'node:v8';
import { applyHeapPolicy } from '../../../core/heap-policy';
import { SqliteStore } from '../../../core/store/sqlite-store';
import { replayEvents } from '../../../core/store/replay';
import { testCodec } from '../store-test-events';

const [stateDir, reader, ballastMiB] = process.argv.slice(2);
applyHeapPolicy({});

// Live objects the reading must not be measured against: what a running watch holds (~20 MB).
const ballast: { i: number; s: string }[] = [];
for (let i = 0; i < (Number(ballastMiB) * 1048576) / 64; i++) ballast.push({ i, s: `b${i}` });

const MiB = 1048576;
const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size / MiB;
const sample = () => ({ old: oldSpace(), arrayBuffers: process.memoryUsage().arrayBuffers / MiB, rss: process.memoryUsage().rss / MiB });

const store = SqliteStore.open({ stateDir: stateDir!, host: 'h', readOnly: true, codec: testCodec() });
const rows = reader === 'replay' ? replayEvents(store, 1) : store.scan({});
let n = 0;
let count = 0;
let at10k = sample();
const max = { old: 0, arrayBuffers: 0, rss: 0 };
for (const s of rows) {
  count += s.event.count;
  if (++n % 1000 !== 0) continue;
  const m = sample();
  if (n === 10_000) at10k = m;
  else if (n > 10_000) for (const k of ['old', 'arrayBuffers', 'rss'] as const) max[k] = Math.max(max[k], m[k]);
}
store.close();
process.stdout.write(JSON.stringify({ rows: n, count, at10k, max, ballast: ballast.length }) + '\n');
