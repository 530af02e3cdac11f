/**
 * The fleet-state writer thread (fleet/state-writer.ts): what crosses between the member and the
 * thread, and how a write's outcome comes back. The thread here is a WORKER DOUBLE (a test double,
 * named as such: a worker module of the test's own instead of state-writer-worker.ts, which needs
 * a broker) so that failures and a dying thread can be produced on demand; the real worker runs
 * against a real broker in test/fleet/fleet.test.ts and bench/fleet.ts (every `fleet serve`
 * writes its state through it).
 *   - every message arrives intact (partition, UTF-8 key, value bytes), in order;
 *   - a failed send rejects that write with the thread's message, and the next write works;
 *   - a thread that dies fails the writes waiting on it and is replaced at the next write;
 *   - close() ends the thread.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { packMessages, unpackMessages, WorkerStateWriter } from '../../fleet/state-writer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-state-writer-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// Worker double: unpacks with the real unpackMessages, reports what it got as a warning, then
// answers like the real worker: topic 'fail' → an error reply, 'die' → the thread exits.
const double = path.join(dir, 'worker-double.js');
fs.writeFileSync(
  double,
  `const { parentPort } = require('node:worker_threads');
const { unpackMessages } = require(${JSON.stringify(path.resolve(__dirname, '../../fleet/state-writer.js'))});
parentPort.on('message', (m) => {
  if (m.close) process.exit(0);
  if (m.topic === 'die') process.exit(3);
  const got = unpackMessages(Buffer.from(m.packed), m.headers).map((x) => [x.partition, x.key, x.value.toString('hex'), x.headers]);
  parentPort.postMessage({ warn: JSON.stringify({ topic: m.topic, compression: m.compression, got }) });
  parentPort.postMessage(m.topic === 'fail' ? { id: m.id, error: 'broker said no' } : { id: m.id });
});
`,
);

// One header set per write (the writer's identity), shared by its messages as the member does.
const headers = { 'fsfault.fleet.writer': '0a1b2c3d/4' };
const messages = [
  { partition: 0, key: '0/host-a/uuid:1', value: Buffer.from([2, 0, 1, 2]), headers },
  { partition: 11, key: '3/hôst-ü/device:sda', value: Buffer.alloc(0), headers },
  { partition: 7, key: '', value: Buffer.from('x'.repeat(70_000)), headers },
];
const expected = messages.map((m) => [m.partition, m.key, m.value.toString('hex'), headers]);

describe('fleet state writer thread', () => {
  it('packs and unpacks messages exactly (partition, UTF-8 key, bytes), in order', () => {
    const back = unpackMessages(packMessages(messages), headers);
    assert.deepEqual(
      back.map((m) => [m.partition, m.key, m.value.toString('hex'), m.headers]),
      expected,
    );
    assert.equal(unpackMessages(packMessages([])).length, 0);
  });

  it('hands every message to the thread and resolves on its acknowledgement; a failed send rejects only that write', async () => {
    const warnings: string[] = [];
    const w = new WorkerStateWriter({ brokers: ['unused:9092'], clientId: 't', compression: 'gzip' }, (m) => warnings.push(m), double);
    try {
      await w.send('state', messages, 'lz4');
      assert.deepEqual(JSON.parse(warnings[0]!), { topic: 'state', compression: 'lz4', got: expected });
      await assert.rejects(w.send('fail', messages), /broker said no/);
      await w.send('state', messages.slice(0, 1));
      assert.equal(warnings.length, 3, 'the thread still serves writes after a failed one');
      await assert.rejects(w.send('state', [messages[0]!, { ...messages[1]!, headers: { ...headers } }]), /share one header set/);
    } finally {
      await w.close();
    }
  });

  it('a thread that dies fails the write waiting on it and is replaced at the next write', async () => {
    const warnings: string[] = [];
    const w = new WorkerStateWriter({ brokers: ['unused:9092'], clientId: 't', compression: 'none' }, (m) => warnings.push(m), double);
    try {
      await assert.rejects(w.send('die', messages), /fleet-state writer thread exited \(3\)/);
      await w.send('state', messages);
      assert.equal(JSON.parse(warnings.at(-1)!).got.length, messages.length);
    } finally {
      await w.close();
    }
  });
});
