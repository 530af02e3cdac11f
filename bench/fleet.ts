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
 *   FSFAULT_BENCH_PROFILE=DIR: every instance writes a V8 CPU profile into DIR
 *   FSFAULT_BENCH_STATE_COMPRESSION=none|gzip|lz4: fleet.stateCompression of the instances (default lz4)
 *
 * Every run is timed from its processes' start (node start-up, group join after the broker's
 * initial rebalance delay, restore) to the moment the group's committed offsets reach the end of
 * the topic (read with the admin API). The start-up alone (nothing to fold) is measured too and
 * subtracted for the fold rate proper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpuOfPid } from './proc-cpu';
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
/** fleet.stateCompression of the instances (FSFAULT_BENCH_STATE_COMPRESSION=gzip|none compares with the default, lz4). */
const STATE_COMPRESSION = process.env.FSFAULT_BENCH_STATE_COMPRESSION ?? 'lz4';
const TOPIC = 'bench-fleet-events';
const EMPTY_TOPIC = 'bench-fleet-empty';

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

/**
 * Baseline: a bare kafkajs consumer (same adapter, same fetch sizes as `fleet serve`) reading the
 * topic and counting messages. Two figures: timed from its creation (group join included, like the
 * fold runs) and from its first message to its last (join excluded: kafkajs' consume path alone,
 * the ceiling for a fold on this machine with this client).
 */
async function rawRead(t: KafkaTransport): Promise<{ withJoin: number; withoutJoin: number }> {
  let n = 0;
  let done!: () => void;
  let first: bigint | null = null;
  const finished = new Promise<void>((r) => (done = r));
  const t0 = process.hrtime.bigint();
  const c = await t.groupConsumer({
    groupId: `bench-raw-${crypto.randomUUID()}`,
    topics: [TOPIC],
    concurrency: PARTITIONS,
    maxBytesPerPartition: 1024 * 1024,
    onBatch: async (b) => {
      first ??= process.hrtime.bigint();
      n += b.messages.length;
      if (n >= EVENTS) done();
    },
  });
  await finished;
  const withJoin = EVENTS / secs(t0);
  const withoutJoin = EVENTS / secs(first!);
  await c.stop();
  return { withJoin, withoutJoin };
}

interface Instance {
  url: string;
  child: ChildProcess;
}

function writeConfig(dir: string, bootstrap: string, topic: string, group: string, stateTopic: string): string {
  const file = path.join(dir, `${group}.yaml`);
  fs.writeFileSync(file, `kafka:\n  brokers: ["${bootstrap}"]\n  topic: ${topic}\n  agents: { topic: bench-agents }\nfleet: { group: ${group}, stateTopic: ${stateTopic}, sessionTimeoutMs: 10000, stateCompression: ${STATE_COMPRESSION} }\n`);
  return file;
}

async function serve(config: string, dir: string, name: string): Promise<Instance> {
  const port = await freePort();
  const out = fs.openSync(path.join(dir, `${name}.log`), 'w');
  // FSFAULT_BENCH_PROFILE=DIR: each instance writes a V8 CPU profile there (open it in Chrome devtools).
  const prof = process.env.FSFAULT_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.FSFAULT_BENCH_PROFILE] : [];
  const child = spawn(process.execPath, [...prof, cliPath, 'fleet', 'serve', '--config', config, '--listen', `127.0.0.1:${port}`], { cwd: repoRoot, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return { url: `http://127.0.0.1:${port}`, child };
}

/** CPU seconds an instance has used so far (the fold's cost per event is compared between runs by it). */
function cpuSeconds(i: Instance): number {
  return cpuOfPid(i.child.pid!);
}
/** CPU seconds per thread name (/proc/<pid>/task/<tid>/comm): where an instance's CPU went. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = tid === String(pid) ? 'main' : fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(name, (out.get(name) ?? 0) + cpuOfPid(pid, Number(tid)));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** CPU of the instance's main thread (thread id = pid): the fold's JavaScript runs there, one core at most. */
function mainThreadCpu(i: Instance): number {
  return cpuOfPid(i.child.pid!, i.child.pid!);
}

/**
 * The broker's JVM (test/broker/kafka-broker.sh execs java with `<dir>/server.properties`): its
 * CPU during the fold is the other half of the cost per event on a machine whose 2 cores the
 * broker shares with the instance.
 */
function brokerPid(dir: string): number {
  const arg = path.join(dir, 'server.properties');
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(arg)) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no broker process with ${arg}`);
}

/** Bytes of a topic's log segments in the broker's data directory (test/broker: log.dirs=<dir>/data). */
function logBytes(dir: string, topic: string): number {
  let n = 0;
  const data = path.join(dir, 'data');
  for (const d of fs.readdirSync(data)) {
    if (!d.startsWith(`${topic}-`) || !/^\d+$/.test(d.slice(topic.length + 1))) continue;
    for (const f of fs.readdirSync(path.join(data, d))) if (f.endsWith('.log')) n += fs.statSync(path.join(data, d, f)).size;
  }
  return n;
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

/** Applied/skipped/state writes of one instance, from its /metrics (read once, at the end). */
async function figures(i: Instance): Promise<string> {
  const text = await (await fetch(`${i.url}/metrics`)).text();
  const g = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return `applied ${g('fsfault_fleet_events_applied')}, skipped ${g('fsfault_fleet_events_skipped')}, state flushes ${g('fsfault_fleet_state_flushes')}`;
}

/**
 * Polls the group's committed offsets (admin API, not the instances: their HTTP side would
 * compete with the fold for the event loop) until every partition is committed to its end.
 */
async function allCommitted(t: KafkaTransport, group: string, marks: Map<number, bigint>): Promise<void> {
  for (;;) {
    const c = await t.committedOffsets(group, TOPIC);
    if ([...marks].every(([p, high]) => (c.get(p) ?? -1n) >= high)) return;
    await sleep(50);
  }
}

/** SIGTERM every instance at once; the seconds until the last one exited, and their exit codes. */
async function stop(list: Instance[]): Promise<{ seconds: number; codes: (number | null)[] }> {
  const t0 = process.hrtime.bigint();
  const codes = await Promise.all(
    list.map(
      (i) =>
        new Promise<number | null>((r) => {
          if (i.child.exitCode !== null) return r(i.child.exitCode);
          i.child.once('exit', (code) => r(code));
          i.child.kill('SIGTERM');
        }),
    ),
  );
  return { seconds: secs(t0), codes };
}

/**
 * `count` instances of one group on the whole topic: seconds from their process start (node
 * start-up, join, restore of an empty state included) until the group's committed offsets reach
 * the end of every partition — an offset is committed only once the state it reflects is written,
 * so that is the moment the last event is folded AND stored.
 */
async function foldRun(t: KafkaTransport, dir: string, bootstrap: string, count: number, jvm: number): Promise<{ seconds: number; cpu: number[]; mainCpu: number[]; threads: Map<string, number>[]; brokerCpu: number; config: string; stateTopic: string; figures: string[]; stop: string }> {
  const group = `bench-g${count}-${crypto.randomUUID().slice(0, 8)}`;
  const stateTopic = `bench-state-${group}`;
  const config = writeConfig(dir, bootstrap, TOPIC, group, stateTopic);
  const marks = new Map((await t.watermarks(TOPIC)).map((w) => [w.partition, w.high]));
  const b0 = cpuOfPid(jvm);
  const t0 = process.hrtime.bigint();
  const list: Instance[] = [];
  for (let k = 0; k < count; k++) list.push(await serve(config, dir, `${group}-${k}`));
  await allCommitted(t, group, marks);
  const seconds = secs(t0);
  const cpu = list.map(cpuSeconds);
  const mainCpu = list.map(mainThreadCpu);
  const threads = list.map((i) => threadCpu(i.child.pid!));
  const brokerCpu = cpuOfPid(jvm) - b0;
  const figs = await Promise.all(list.map(figures));
  const stopped = await stop(list);
  return { seconds, cpu, mainCpu, threads, brokerCpu, config, stateTopic, figures: figs, stop: `all exited ${stopped.seconds.toFixed(2)} s after SIGTERM, exit codes ${stopped.codes.join(', ')}` };
}

async function readyTime(dir: string, config: string, name: string): Promise<{ seconds: number; cpu: number; main: number }> {
  const t0 = process.hrtime.bigint();
  const i = await serve(config, dir, name);
  await ready(i);
  const seconds = secs(t0);
  const cpu = cpuSeconds(i);
  const main = mainThreadCpu(i);
  await stop([i]);
  return { seconds, cpu, main };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-bench-fleet-'));
  // Kafka's default initial rebalance delay (the test broker's is 0): a new group waits 3 s for
  // more members, so 2 instances started together share the partitions from the first fetch —
  // with 0 the first to join folds a pre-filled topic alone before the second is assigned anything.
  process.env.FSFAULT_KAFKA_REBALANCE_DELAY_MS ??= '3000';
  const broker = await startBroker({ version: VERSION });
  try {
    const t = new KafkaTransport({ brokers: [broker.bootstrap], clientId: 'bench', compression: 'none' });
    const tf = process.hrtime.bigint();
    await fill(t);
    console.log(`filled ${EVENTS} events (${HOSTS} hosts × ${FS_PER_HOST} filesystems, ${PARTITIONS} partitions) in ${secs(tf).toFixed(1)} s`);

    const jvm = brokerPid(broker.dir);
    let b0 = cpuOfPid(jvm);
    const raw = await rawRead(t);
    const rawBrokerCpu = cpuOfPid(jvm) - b0;

    // Start-up: process start to /readyz with nothing to fold or restore (empty events topic,
    // empty state topic). Subtracted below to give the fold rate proper.
    await t.createTopic(EMPTY_TOPIC, PARTITIONS);
    const emptyCfg = writeConfig(dir, broker.bootstrap, EMPTY_TOPIC, 'bench-empty', 'bench-state-empty');
    await readyTime(dir, emptyCfg, 'startup-warm'); // creates the empty state topic
    b0 = cpuOfPid(jvm);
    const { seconds: startup, cpu: startupCpu, main: startupMain } = await readyTime(dir, emptyCfg, 'startup');
    const startupBrokerCpu = cpuOfPid(jvm) - b0;

    const one = await foldRun(t, dir, broker.bootstrap, 1, jvm);
    const foldBrokerCpu = one.brokerCpu - startupBrokerCpu;
    const foldRate = EVENTS / (one.seconds - startup);
    console.log(`start-up (process start to /readyz, nothing to fold): ${startup.toFixed(2)} s`);
    console.log(`fold, 1 instance: ${EVENTS} events folded and committed ${one.seconds.toFixed(2)} s after process start (${one.figures[0]})`);
    console.log(`  fold rate ${Math.round(foldRate)} events/s (start-up excluded; ${Math.round(EVENTS / one.seconds)} events/s including it); target ≥ 50000 events/s`);
    console.log(`  baseline bare kafkajs read of the same topic: ${Math.round(raw.withoutJoin)} msgs/s join excluded (${Math.round(raw.withJoin)} msgs/s join included); ratio fold / bare read ${(foldRate / raw.withoutJoin).toFixed(2)} (join excluded on both sides)`);
    const foldCpu = one.cpu[0]! - startupCpu;
    console.log(`  CPU of the instance: ${one.cpu[0]!.toFixed(2)} s to the last commit, ${startupCpu.toFixed(2)} s of it start-up; fold ${foldCpu.toFixed(2)} s = ${((foldCpu / EVENTS) * 1e6).toFixed(1)} µs/event (${Math.round(EVENTS / foldCpu)} events per CPU second; less noisy than the rate on a shared machine)`);
    const us = (cpu: number) => ((cpu / EVENTS) * 1e6).toFixed(1);
    const mainCpu = one.mainCpu[0]! - startupMain;
    console.log(`  its threads (CPU s from process start, start-up included): ${[...one.threads[0]!].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c.toFixed(2)}`).join(', ')}`);
    console.log(`  of which its main thread (the fold's JavaScript; the rest: GC helpers, zlib/LZ4, the state-writer thread): ${mainCpu.toFixed(2)} s = ${us(mainCpu)} µs/event = at most ${Math.round(EVENTS / mainCpu)} events/s with that thread 100 % busy`);
    console.log(`  CPU of the broker (JVM, /proc): fold ${foldBrokerCpu.toFixed(2)} s = ${us(foldBrokerCpu)} µs/event (its start-up share, ${startupBrokerCpu.toFixed(2)} s, excluded); bare read ${rawBrokerCpu.toFixed(2)} s = ${us(rawBrokerCpu)} µs/msg`);
    console.log(`  instance + broker: ${us(foldCpu + foldBrokerCpu)} µs/event = at most ${Math.round(2 / ((foldCpu + foldBrokerCpu) / EVENTS))} events/s on 2 fully used cores`);
    console.log(`  stop, 1 instance: ${one.stop}`);

    // Restore: the group of the run above again (nothing left to consume) with its state topic
    // (one record per filesystem, plus older versions the cleaner has not compacted yet), against
    // the start-up above (same, with an empty state topic).
    const records = (await t.watermarks(one.stateTopic)).reduce((a, w) => a + Number(w.high - w.low), 0);
    console.log(`  state topic after the fold: ${records} records, ${(logBytes(broker.dir, one.stateTopic) / 1e6).toFixed(1)} MB of log segments on the broker (fleet.stateCompression ${STATE_COMPRESSION})`);
    const { seconds: restore } = await readyTime(dir, one.config, 'restore-full');
    console.log(`restore: ready in ${restore.toFixed(2)} s with ${records} state records (${HOSTS * FS_PER_HOST} filesystems); empty state ${startup.toFixed(2)} s; restore cost ${(restore - startup).toFixed(2)} s`);

    const two = await foldRun(t, dir, broker.bootstrap, 2, jvm);
    console.log(`fold, 2 instances: done ${two.seconds.toFixed(2)} s after process start (${two.figures.join('; ')}); stop: ${two.stop}`);
    console.log(`1 vs 2 instances, process start to last event folded: ${one.seconds.toFixed(2)} s vs ${two.seconds.toFixed(2)} s; speed-up ${(one.seconds / two.seconds).toFixed(2)}; start-up excluded ${(one.seconds - startup).toFixed(2)} s vs ${(two.seconds - startup).toFixed(2)} s, speed-up ${((one.seconds - startup) / (two.seconds - startup)).toFixed(2)} (2 cores shared with the broker and this script)`);
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
