/**
 * Crash safety: a writer process appends a steady stream (batches of 1–50 events with the kmsg
 * cursor, cursor commits in between) and is SIGKILLed at random moments. After every kill the store
 * must open cleanly (quick_check), hold every event the writer had confirmed (it prints the last
 * offset and id after append returned), have gapless offsets, a source cursor naming the last
 * stored event, and a projection equal to a fold of the log: all of one transaction, or none of it.
 *
 * The same file is the writer: run with FSFAULT_CRASH_CHILD set, it appends until killed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { after, describe, it } from 'node:test';
import type { Durability } from '../../core/store/local-store';
import type { RetentionOptions } from '../../core/store/retention';
import { SqliteStore } from '../../core/store/sqlite-store';
import { randomEvents, rmTemp, rng, tempStateDir, testCodec } from './store-test-events';

interface ChildConfig {
  stateDir: string;
  durability: Durability;
  retention?: RetentionOptions;
  seed: number;
}

function runChild(cfg: ChildConfig): void {
  const store = SqliteStore.open({ stateDir: cfg.stateDir, host: 'h', codec: testCodec(), durability: cfg.durability, retention: cfg.retention });
  const r = rng(cfg.seed);
  store.cursor('stdout');
  for (;;) {
    const evs = randomEvents(r, 1 + Math.floor(r() * 50), Date.now() * 1000);
    // The cursor names the batch's last event: after a crash it must be the log's last event.
    const offs = store.append(evs, { 'kmsg.seq': evs.at(-1)!.id });
    // Written synchronously to the pipe only after append returned: a confirmation.
    fs.writeSync(1, `${offs.at(-1)} ${evs.at(-1)!.id}\n`);
    if (r() < 0.2) store.commit('stdout', Math.floor(r() * offs.at(-1)!));
  }
}

if (process.env.FSFAULT_CRASH_CHILD) {
  runChild(JSON.parse(process.env.FSFAULT_CRASH_CHILD) as ChildConfig);
}

/** Start the writer, let it confirm for a random while, SIGKILL it; returns its confirmations. */
function writeAndKill(cfg: ChildConfig, killAfterMs: number): Promise<{ offset: number; id: string }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename], { env: { ...process.env, FSFAULT_CRASH_CHILD: JSON.stringify(cfg) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited (${code ?? signal}) before it was killed: ${err}`));
      const lines = out.split('\n');
      lines.pop(); // a line cut by the kill is not a confirmation
      resolve(lines.map((l) => ({ offset: Number(l.split(' ')[0]), id: l.split(' ')[1]! })));
    });
  });
}

const dirs: string[] = [];
after(() => dirs.forEach(rmTemp));

async function crashLoop(durability: Durability, kills: number, retention?: RetentionOptions): Promise<void> {
  const stateDir = tempStateDir();
  dirs.push(stateDir);
  const r = rng(kills * 7919 + durability.length);
  let confirmedHead = 0;
  let confirmations = 0;
  for (let k = 0; k < kills; k++) {
    const confirmed = await writeAndKill({ stateDir, durability, retention, seed: k + 1 }, 5 + Math.floor(r() * 150));
    assert.ok(confirmed.length > 0, 'the writer confirmed something before the kill');
    confirmations += confirmed.length;

    const s = SqliteStore.open({ stateDir, host: 'h', codec: testCodec(), durability, retention }); // quick_check at open
    try {
      const head = s.headOffset();
      const last = confirmed.at(-1)!;
      assert.ok(head >= last.offset, `kill ${k}: head ${head} lost confirmed offset ${last.offset}`);
      const rows = s.readAfter(0, 1e7);
      const first = s.info().firstOffset;
      assert.deepEqual(rows.map((x) => x.offset), Array.from({ length: head - first + 1 }, (_, i) => first + i), `kill ${k}: offsets are gapless`);
      if (!retention) {
        assert.equal(first, 1);
        for (const c of confirmed) assert.equal(rows[c.offset - 1]!.event.id, c.id, `kill ${k}: confirmed event at ${c.offset}`);
      }
      assert.equal(s.sourceCursor('kmsg.seq'), rows.at(-1)!.event.id, `kill ${k}: the source cursor belongs to the last stored batch`);
      assert.deepEqual(s.health().host.lastOffset, head);
      if (!retention) assert.deepEqual(s.health(), s.projectFromLog(), `kill ${k}: the projection matches the log`);
      else assert.equal(s.health().host.lostByReason['retention-drop'] ?? 0, s.info().retentionDropped);
      assert.ok(s.cursor('stdout') <= head);
      assert.deepEqual(s.quickCheck(), ['ok']);
      confirmedHead = head;
    } finally {
      s.close();
    }
  }
  assert.ok(confirmedHead > 0 && confirmations >= kills);
}

describe('store crash safety (SIGKILL)', () => {
  it('durability full: 20 kills, nothing confirmed lost, gapless, atomic cursors and projection', { timeout: 300_000 }, () => crashLoop('full', 20));
  it('durability normal: 20 kills, same guarantees for a process crash', { timeout: 300_000 }, () => crashLoop('normal', 20));
  it('drop-oldest retention under kills: contiguous range, every drop accounted for', { timeout: 300_000 }, () =>
    crashLoop('normal', 10, { maxAgeDays: 90, maxBytes: 300_000, policy: 'drop-oldest' }));
});
