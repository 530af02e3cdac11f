/**
 * The fleet view's figures against a real broker (test/broker, Kafka 4.x), printed, never asserted:
 *   1. fold rate: events/s one `fleet serve` process folds from a pre-filled events topic (decode,
 *      fold, state written, offsets committed), against a bare kafkajs consumer reading the same
 *      topic and counting messages (the baseline, same run);
 *   2. restore: time until `/readyz` with ~100k filesystems of state in the fleet-state topic,
 *      against the same start with an empty state topic;
 *   3. scaling: 2 instances in one group on the same topic, against 1 (the ratio).
 * Instances are real `fsfault fleet serve` child processes (bin/fsfault.js), as operators run them.
 *
 *   npm run build && node dist/bench/fleet.js [EVENTS] [HOSTS] [FS_PER_HOST] [VERSION]
 *   defaults: 200000 events, 10000 hosts × 10 filesystems (= 100k filesystems), Kafka 4.1.1
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { schemaFor } from '../core/container';
import { Config } from '../core/config/schema';
import { EventCodec } from '../core/schema/codec';

import type { FsEvent } from '../core/model/event';

import { KafkaTransport, type OutMessage } from '../connectors/kafka/kafkajs-adapter';
import { frameSingleObject } from '../connectors/kafka/single-object';
import { buildHeaders } from '../connectors/kafka/headers';
import { messageKey } from '../connectors/kafka/message-key';
import { startBroker } from '../test/kafka/helpers/broker';
import { cliPath, repoRoot } from '../test/helpers/paths';
import { freePort } from '../test/helpers/free-port';

const EVENTS = Number(process.argv[2] ?? 200_000);
const HOSTS = Number(process.argv[3] ?? 10_000);
const FS_PER_HOST = Number(process.argv[4] ?? 10);
const VERSION = process.argv[5] ?? '4.1.1';
const PARTITIONS = 12;
const TOPIC = 'bench-fleet-events';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;


function event(host: string, fsIndex: number, i: number): FsEvent {
  const t = Date.now() * 1000;
  const device = `sd${String.fromCharCode(97 + (fsIndex % 26))}${fsIndex}`;
  return {
    id: crypto.randomUUID(),
    host,
    kind: i % 97 === 96 ? 'DIED' : 'ERROR',
    fs: { type: fsIndex % 2 ? 'xfs' : 'ext4', device, majorMinor: `8:${fsIndex}`, fsid: null, uuid: `${host}-${fsIndex}`, mountPoint: `/data${fsIndex}`, mountUid: null },
    errno: 5,
    errnoName: 'EIO',
    count: 1 + (i % 3),
    firstSeen: t,
    lastSeen: t,
    sources: ['kmsg'],
    subtypes: 1 << 4,
    inode: i,
    handleType: null,
    handle: null,
    path: null,
    plugin: null,
    blob: null,
    lost: null,
    death: i % 97 === 96 ? { reason: 'journal aborted', suppressed: 0 } : null,
  };
}

async function fill(t: KafkaTransport): Promise<void> {
  const codec = new EventCodec(schemaFor(Config.parse({})));
  await t.createTopic(TOPIC, PARTITIONS);
  await t.connect();
  const offsets = new Map<string, number>();
  let batch: OutMessage[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const host = `host-${String(i % HOSTS).padStart(5, '0')}`;
    const e = event(host, Math.floor(i / HOSTS) % FS_PER_HOST, i);
    const off = (offsets.get(host) ?? 0) + 1;
    offsets.set(host, off);
    const key = messageKey(e);
    batch.push({
      partition: t.partitionFor(TOPIC, key, PARTITIONS),
      key,
      value: frameSingleObject(codec.schema.fingerprint, codec.encode(e)),
      headers: buildHeaders({ eventId: e.id, storeId: `store-${host}`, storeOffset: off, host, fingerprint: codec.schema.fingerprint, schemaId: null }),
    });
    if (batch.length === 5000) {
      await t.send(TOPIC, batch);
      batch = [];
    }
  }
  if (batch.length) await t.send(TOPIC, batch);
}

/** Baseline: a bare kafkajs consumer (same adapter) reading the topic and counting messages. */
async function rawRead(t: KafkaTransport): Promise<number> {
  let n = 0;
  let first: bigint | null = null;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const c = await t.groupConsumer({
    groupId: `bench-raw-${crypto.randomUUID()}`,
    topics: [TOPIC],
    onBatch: async (b) => {
      first ??= process.hrtime.bigint();
      n += b.messages.length;
      if (n >= EVENTS) done();
    },
  });
  await finished;
  const s = secs(first!);
  await c.stop();
  return EVENTS / s;
}

interface Instance {
  url: string;
  child: ChildProcess;
}

function writeConfig(dir: string, bootstrap: string, group: string, stateTopic: string): string {
  const file = path.join(dir, `${group}.yaml`);
  fs.writeFileSync(file, `kafka:\n  brokers: ["${bootstrap}"]\n  topic: ${TOPIC}\n  agents: { topic: bench-agents }\nfleet: { group: ${group}, stateTopic: ${stateTopic}, sessionTimeoutMs: 10000 }\n`);
  return file;
}

async function serve(config: string, dir: string, name: string): Promise<Instance> {
  const port = await freePort();
  const out = fs.openSync(path.join(dir, `${name}.log`), 'w');
  const child = spawn(process.execPath, [cliPath, 'fleet', 'serve', '--config', config, '--listen', `127.0.0.1:${port}`], { cwd: repoRoot, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return { url: `http://127.0.0.1:${port}`, child };
}

async function ready(i: Instance): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`${i.url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (i.child.exitCode !== null) throw new Error('fleet serve exited; see its log');
    await sleep(50);
  }
}

async function applied(i: Instance): Promise<number> {
  const text = await (await fetch(`${i.url}/metrics`)).text();
  return Number(/^fsfault_fleet_events_applied (\d+)$/m.exec(text)?.[1] ?? 0);
}

async function stop(list: Instance[]): Promise<void> {
  await Promise.all(list.map((i) => new Promise<void>((r) => (i.child.exitCode !== null ? r() : (i.child.once('exit', () => r()), i.child.kill('SIGTERM'))))));
}

/**
 * events/s folded by `count` instances of one group: from their start (node start-up, join,
 * restore of an empty state included: folding begins before /readyz answers) to the last event.
 */
async function foldRate(dir: string, bootstrap: string, count: number): Promise<{ rate: number; config: string; stateTopic: string }> {
  const group = `bench-g${count}-${crypto.randomUUID().slice(0, 8)}`;
  const stateTopic = `bench-state-${group}`;
  const config = writeConfig(dir, bootstrap, group, stateTopic);
  const t0 = process.hrtime.bigint();
  const list: Instance[] = [];
  for (let k = 0; k < count; k++) list.push(await serve(config, dir, `${group}-${k}`));
  await Promise.all(list.map(ready));
  for (;;) {
    const sum = (await Promise.all(list.map(applied))).reduce((a, b) => a + b, 0);
    if (sum >= EVENTS) break;
    await sleep(100);
  }
  const rate = EVENTS / secs(t0);
  await stop(list);
  return { rate, config, stateTopic };
}

async function readyTime(dir: string, config: string, name: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const i = await serve(config, dir, name);
  await ready(i);
  const s = secs(t0);
  await stop([i]);
  return s;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-bench-fleet-'));
  const broker = await startBroker({ version: VERSION });
  try {
    const t = new KafkaTransport({ brokers: [broker.bootstrap], clientId: 'bench', compression: 'none' });
    const tf = process.hrtime.bigint();
    await fill(t);
    console.log(`filled ${EVENTS} events (${HOSTS} hosts × ${FS_PER_HOST} filesystems, ${PARTITIONS} partitions) in ${secs(tf).toFixed(1)} s`);

    const raw = await rawRead(t);
    const first = await foldRate(dir, broker.bootstrap, 1);
    const one = first.rate;
    console.log(`fold, 1 instance: ${Math.round(one)} events/s; baseline bare kafkajs read ${Math.round(raw)} msgs/s; ratio ${(one / raw).toFixed(2)} (target ≥ 50000 events/s)`);

    // Restore: the group of the run above again (nothing left to consume) with its state topic
    // (one record per filesystem, plus older versions the cleaner has not compacted yet), then the
    // same start with an empty state topic.
    const records = (await t.watermarks(first.stateTopic)).reduce((a, w) => a + Number(w.high - w.low), 0);
    const restore = await readyTime(dir, first.config, 'restore-full');
    const emptyCfg = writeConfig(dir, broker.bootstrap, 'bench-empty', 'bench-state-empty');
    await readyTime(dir, emptyCfg, 'restore-empty-warm'); // creates the empty state topic
    const empty = await readyTime(dir, emptyCfg, 'restore-empty');
    console.log(`restore: ready in ${restore.toFixed(2)} s with ${records} state records (${HOSTS * FS_PER_HOST} filesystems); empty state topic ${empty.toFixed(2)} s; restore cost ${(restore - empty).toFixed(2)} s`);

    const two = (await foldRate(dir, broker.bootstrap, 2)).rate;
    console.log(`fold, 2 instances: ${Math.round(two)} events/s; 1 instance ${Math.round(one)} events/s; ratio ${(two / one).toFixed(2)} (2 cores shared with the broker)`);
  } finally {
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e.stack);
    process.exit(1);
  },
);
