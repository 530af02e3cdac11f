/**
 * Crash safety: a child process runs the connector over a file-backed SQLite store and is killed
 * with SIGKILL mid-stream 10 times, then runs to the end. Every event is in the topic, none twice:
 * on open the connector reads the topic's tail (store-offset headers) and skips what arrived
 * between the last acknowledged send and the cursor commit the kill prevented.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteStore } from '../../core/store/sqlite-store';
import { startBroker, KAFKA_VERSIONS, type BrokerHandle } from './helpers/broker';
import { ext4Test, schemaWith, mixedEvents } from './helpers/events';
import { readTopic, offsetCensus, randomTopic } from './helpers/topic';

const HOST = 'host-crash';
// Enough events that ten kills 50–300 ms after start all land mid-stream even on a fast, idle
// machine (a run delivers a few thousand events per second with 5-event batches).
const EVENTS = 20_000;
const KILLS = 10;
const CHILD = path.join(__dirname, 'helpers', 'crash-child.js');

function runChild(args: string[], killAfterOpenMs: number | null): Promise<{ killed: boolean; done: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let killed = false;
    const guard = setTimeout(() => c.kill('SIGKILL'), 120_000);
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfterOpenMs !== null && out.includes('open') && !killed) {
        killed = true;
        setTimeout(() => c.kill('SIGKILL'), killAfterOpenMs);
      }
    });
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('error', reject);
    c.on('exit', (code, signal) => {
      clearTimeout(guard);
      const done = out.includes('done');
      if (signal !== 'SIGKILL' && code !== 0) return reject(new Error(`crash child exited ${code}: ${stderr}`));
      resolve({ killed: signal === 'SIGKILL', done, stderr });
    });
  });
}

for (const version of KAFKA_VERSIONS) {
  describe(`connector killed with SIGKILL on Kafka ${version}`, { timeout: 240_000 }, () => {
    let broker: BrokerHandle;
    let stateDir: string;
    before(async () => {
      broker = await startBroker({ version });
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-crash-'));
    });
    after(async () => {
      await broker?.stop();
      if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it(`every event arrives exactly once after ${KILLS} SIGKILLs mid-stream`, async (t) => {
      const topic = randomTopic('fsf-crash');
      const { codec } = schemaWith(ext4Test);
      const store = SqliteStore.open({ stateDir, host: HOST, codec });
      for (let i = 0; i < EVENTS; i += 500) store.append(mixedEvents(HOST, 500, i));
      store.close();

      const args = [stateDir, HOST, broker.bootstrap, topic, '5'];
      let midStream = 0;
      let resumedFromTopic = 0;
      for (let k = 0; k < KILLS; k++) {
        const r = await runChild(args, 50 + Math.floor(Math.random() * 250));
        if (r.killed && !r.done) midStream++;
        if (/already in the topic/.test(r.stderr)) resumedFromTopic++;
      }
      const last = await runChild(args, null);
      if (/already in the topic/.test(last.stderr)) resumedFromTopic++;
      // How often a kill fell between the broker's ack and the cursor commit (the case the tail read fixes).
      t.diagnostic(`kills mid-stream: ${midStream}/${KILLS}; restarts that resumed past the cursor from the topic's tail: ${resumedFromTopic}`);
      assert.ok(last.done, `final run finished: ${last.stderr}`);
      assert.ok(midStream >= KILLS - 2, `most kills landed mid-stream (${midStream}/${KILLS})`);

      const census = offsetCensus(await readTopic([broker.bootstrap], topic));
      assert.deepEqual(census.duplicates, [], 'no event twice');
      assert.equal(census.seen.size, EVENTS, 'every event arrived');
      const reopened = SqliteStore.open({ stateDir, host: HOST, codec });
      try {
        assert.equal(reopened.cursor(`kafka:${topic}`), EVENTS);
      } finally {
        reopened.close();
      }
    });
  });
}
