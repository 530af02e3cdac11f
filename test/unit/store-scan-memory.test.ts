/**
 * Reading a whole store back does not grow memory with the number of rows read. A store of 100k
 * events is read to the end through the paths the commands use (replayEvents: `replay` and the
 * connectors' re-delivery; `events`, `summary`: the store's scan() itself), each in a child
 * under the product's heap policy with 24 MiB of live objects beside it, as in a running agent.
 * Between the 10,000th row and the end, the old generation and the ArrayBuffer bytes (the rows'
 * Avro bodies) must stay where they were. Before scan(), pages of decoded rows were promoted: the old
 * generation grew by 22–29 MiB and arrayBuffers by 4–5 MiB (RSS +32–38 MiB) until a full GC; with it
 * +0.01 MiB, +0.1 MiB (RSS +0.5). The bounds are far from both, so load cannot flip the result.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { SqliteStore } from '../../core/store/sqlite-store';
import { randomEvents, rng, tempStateDirs, testCodec } from './store-test-events';

const EVENTS = 100_000;
const child = path.join(__dirname, 'helpers-store', 'scan-memory-child.js');
const stateDir = tempStateDirs();

interface Figures {
  rows: number;
  count: number;
  at10k: { old: number; arrayBuffers: number; rss: number };
  max: { old: number; arrayBuffers: number; rss: number };
}

describe('reading a store back (memory)', () => {
  let dir = '';
  let count = 0;
  before(() => {
    dir = stateDir();
    const store = SqliteStore.open({ stateDir: dir, host: 'h', codec: testCodec(), durability: 'off', retention: { maxBytes: 2 ** 40, maxAgeDays: 100_000, policy: 'block' } });
    const r = rng(11);
    let t = 1_780_000_000_000_000;
    for (let n = 0; n < EVENTS; n += 5000) {
      const batch = randomEvents(r, 5000, t);
      t = batch[batch.length - 1]!.lastSeen + 1;
      count += batch.reduce((s, e) => s + e.count, 0);
      store.append(batch);
    }
    store.close();
  });

  for (const reader of ['replay', 'scan']) {
    it(`${reader}: old generation and ArrayBuffers flat from 10k to ${EVENTS / 1000}k rows read`, () => {
      const r = spawnSync(process.execPath, [child, dir, reader, '24'], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      const f = JSON.parse(r.stdout) as Figures;
      assert.equal(f.rows, EVENTS);
      assert.equal(f.count, count);
      const grew = (k: keyof Figures['max']) => f.max[k] - f.at10k[k];
      const figures = `old generation +${grew('old').toFixed(2)} MiB, arrayBuffers +${grew('arrayBuffers').toFixed(2)} MiB, rss +${grew('rss').toFixed(1)} MiB`;
      assert.ok(grew('old') <= 6, figures);
      assert.ok(grew('arrayBuffers') <= 1.5, figures);
      assert.ok(grew('rss') <= 16, figures);
    });
  }
});
