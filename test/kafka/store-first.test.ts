/**
 * Store first and store identity, through the real CLI against a real broker and a real registry
 * (Apicurio): `fsfault watch` records and prints while the broker is down or the registry hangs
 * (SIGSTOP), reports it on /readyz, and delivers every event exactly once when they come back; a
 * new store under a host name already in the topic publishes everything (issue 12 reproduction).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KafkaTransport } from '../../connectors/kafka/kafkajs-adapter';
import { cliPath, repoRoot } from '../helpers/paths';
import { runCli } from '../helpers/cli';
import { startBroker, KAFKA_VERSIONS, type BrokerHandle } from './helpers/broker';
import { startApicurio, type ApicurioHandle } from './helpers/apicurio';
import { readTopic, randomTopic, offsetCensus } from './helpers/topic';
import { freePort } from '../helpers/free-port';

const REPLAY = path.join(repoRoot, 'examples', 'ext4-trigger.jsonl');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


function writeConfig(dir: string, kafka: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ kafka: { compression: 'none', createTopicPartitions: 3, retry: { initialMs: 100, maxMs: 1000 }, ...kafka }, ...extra }));
  return file;
}

function storeIdOf(stateDir: string, host: string): string {
  const r = runCli(['status', '--json', '--state-dir', stateDir, '--host', host]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { store: { storeId: string } }).store.storeId;
}

/** `watch --once` as a child: its stdout lines as they come, its exit. */
function watchOnce(args: string[]) {
  const c = spawn(process.execPath, [cliPath, 'watch', '--replay', REPLAY, '--once', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let buf = '';
  c.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts.filter(Boolean));
  });
  c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number>((r) => c.once('exit', (code) => r(code ?? -1)));
  const guard = setTimeout(() => c.kill('SIGKILL'), 150_000);
  void exit.then(() => clearTimeout(guard));
  return { lines, stderr: () => stderr, exit, kill: () => c.kill('SIGKILL') };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

for (const version of KAFKA_VERSIONS) {
  describe(`store first and store identity on Kafka ${version} with Apicurio`, { timeout: 400_000 }, () => {
    let broker: BrokerHandle;
    let registry: ApicurioHandle;
    let dir: string;
    before(async () => {
      [broker, registry] = await Promise.all([startBroker({ version }), startApicurio()]);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-store-first-'));
    });
    after(async () => {
      await Promise.all([broker?.stop(), registry?.stop()]);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a new store under a host name already in the topic publishes all its events (issue 12 reproduction)', async () => {
      const topic = randomTopic('fsf-identity');
      const cfg = writeConfig(dir, { brokers: [broker.bootstrap], topic, registry: { urls: [registry.url] } });
      const a = path.join(dir, 'A');
      const b = path.join(dir, 'B');
      for (const stateDir of [a, a, b]) {
        const r = runCli(['watch', '--replay', REPLAY, '--once', '--no-stdout', '--host', 'same', '--state-dir', stateDir, '--config', cfg], { timeoutMs: 90_000 });
        assert.equal(r.code, 0, r.stderr);
      }
      const idA = storeIdOf(a, 'same');
      const idB = storeIdOf(b, 'same');
      assert.notEqual(idA, idB);
      const msgs = await readTopic([broker.bootstrap], topic);
      const ofB = msgs.filter((m) => m.meta.storeId === idB);
      const ofA = msgs.filter((m) => m.meta.storeId === idA);
      assert.ok(ofB.length > 0, 'store B published');
      assert.deepEqual(offsetCensus(ofB).duplicates, []);
      assert.deepEqual(offsetCensus(ofA).duplicates, []);
      const headB = (JSON.parse(runCli(['status', '--json', '--state-dir', b, '--host', 'same']).stdout) as { store: { headOffset: number } }).store.headOffset;
      assert.equal(ofB.length, headB, "every event of B's store is in the topic");
    });

    it('broker down at start: events are stored and printed at once, /readyz says why, delivered exactly once after the broker is back', async () => {
      const topic = randomTopic('fsf-down');
      const t = new KafkaTransport({ brokers: [broker.bootstrap], clientId: 'test-admin', compression: 'none' });
      await t.createTopic(topic, 3);
      await t.close();
      const port = await freePort();
      const cfg = writeConfig(dir, { brokers: [broker.bootstrap], topic, registry: { urls: [registry.url] } }, { metrics: { listen: `127.0.0.1:${port}` } });
      await broker.halt();
      let restarted = false;
      const w = watchOnce(['--host', 'down-host', '--state-dir', path.join(dir, 'down'), '--config', cfg]);
      try {
        await until('events on stdout while the broker is down', () => w.lines.length > 0);
        const ready = await until('/readyz', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) === 503).then(() => fetch(`http://127.0.0.1:${port}/readyz`));
        assert.equal(ready.status, 503);
        assert.match(await ready.text(), /connector kafka:fsf-down-\S+: (opening|retrying)/);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        assert.match(metrics, /fsfault_connector_ready\{connector="kafka:fsf-down-[^"]+"\} 0/);
        await broker.restart();
        restarted = true;
        assert.equal(await w.exit, 0, w.stderr());
      } finally {
        if (!restarted) await broker.restart();
        w.kill();
      }
      const msgs = await readTopic([broker.bootstrap], topic);
      const census = offsetCensus(msgs);
      assert.deepEqual(census.duplicates, []);
      assert.equal(census.seen.size, w.lines.length, 'every printed event is in the topic once');
    });

    it('registry paused (SIGSTOP) at start: recording goes on; delivered exactly once after SIGCONT', async () => {
      const topic = randomTopic('fsf-regstop');
      const cfg = writeConfig(dir, { brokers: [broker.bootstrap], topic, registry: { urls: [registry.url] } });
      registry.pause();
      let resumed = false;
      const w = watchOnce(['--host', 'regstop-host', '--state-dir', path.join(dir, 'regstop'), '--config', cfg]);
      try {
        await until('events on stdout while the registry hangs', () => w.lines.length > 0);
        await sleep(6000); // past the registry client's 5 s timeout: at least one failed attempt
        registry.resume();
        resumed = true;
        assert.equal(await w.exit, 0, w.stderr());
        assert.match(w.stderr(), /registry|REGISTRY_UNREACHABLE|timed out|aborted/i);
      } finally {
        if (!resumed) registry.resume();
        w.kill();
      }
      const msgs = await readTopic([broker.bootstrap], topic);
      assert.deepEqual(offsetCensus(msgs).duplicates, []);
      assert.equal(offsetCensus(msgs).seen.size, w.lines.length);
      for (const m of msgs) assert.equal(m.value![0], 0, 'Confluent framing: the schema was registered after the pause');
    });
  });
}
