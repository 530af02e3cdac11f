/**
 * End-to-end latency, kernel error → broker: ext4 `trigger_fs_error` on a loop-mounted filesystem
 * (real kernel, fanotify + /dev/kmsg) → `fsfault watch` (a child process, live sources, store
 * with fsync, Kafka connector) → a real broker whose topic has message.timestamp.type=LogAppendTime,
 * so each message's timestamp is the moment the broker appended it. Latency = LogAppendTime −
 * the wall-clock time just before the trigger write.
 *
 * Two phases per configuration: idle (one probe error every 250 ms) and a flood (a shell loop
 * triggering errors on a second filesystem as fast as it can, probes continuing on the first).
 * The baseline, measured in the same run: the previous fixed linger (queue.settleMs 0, so every
 * batch waits the whole queue.lingerMs 200); the candidate: the defaults. Root only (loop devices,
 * sysfs); run it under the kernel lock:
 *
 *   npm run build && flock /work/.kernel.lock node dist/bench/kafka-latency.js [PROBES] [VERSION]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KafkaTransport } from '../connectors/kafka/kafkajs-adapter';
import { parseSingleObject } from '../connectors/kafka/single-object';
import { EventCodec } from '../core/schema/codec';
import { schemaFor } from '../core/container';
import { validateConfig } from '../core/config/load';
import { LoopFsPool, requireKernelPrereqs, type LoopFs } from '../test/helpers/loopfs';
import { repoRoot } from '../test/helpers/paths';
import { startBroker, KAFKA_VERSIONS } from '../test/kafka/helpers/broker';
import { readTopic, randomTopic } from '../test/kafka/helpers/topic';
import { freePort } from '../test/helpers/free-port';

const PROBES = Number(process.argv[2] ?? 60);
const VERSION = process.argv[3] ?? KAFKA_VERSIONS[0]!;
const GAP_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Variant {
  name: string;
  queue: Record<string, number>;
}
const VARIANTS: Variant[] = [
  { name: 'fixed linger (before: settleMs 0, lingerMs 200)', queue: { settleMs: 0 } },
  { name: 'adaptive (defaults)', queue: {} },
];

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}


async function waitReady(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`fsfault watch exited (${child.exitCode}) before it was ready`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`fsfault watch not ready after ${timeoutMs} ms (${url})`);
}

const errorsCount = (lf: LoopFs) => Number(fs.readFileSync(`/sys/fs/ext4/${lf.device}/errors_count`, 'utf8').trim());

async function probe(lf: LoopFs, tag: string, n: number, sent: Map<string, number>): Promise<void> {
  for (let i = 0; i < n; i++) {
    const text = `${tag}-${i}`;
    sent.set(text, Date.now());
    fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, text);
    await sleep(GAP_MS);
  }
}

interface Result {
  idle: number[];
  flood: number[];
  floodErrors: number;
  floodEvents: number;
  floodReported: number;
}

async function runVariant(v: Variant, bootstrap: string, probeFs: LoopFs, floodFs: LoopFs, dir: string, codec: EventCodec): Promise<Result> {
  const topic = randomTopic('fsf-latency');
  const t = new KafkaTransport({ brokers: [bootstrap], clientId: 'bench-admin', compression: 'none' });
  await t.createTopic(topic, 3, { 'message.timestamp.type': 'LogAppendTime' });
  await t.close();
  const port = await freePort();
  const stateDir = fs.mkdtempSync(path.join(dir, 'state-'));
  const cfg = path.join(stateDir, 'config.json');
  fs.writeFileSync(
    cfg,
    JSON.stringify({
      host: 'bench-latency',
      stateDir,
      queue: v.queue,
      sources: { mountPoints: [probeFs.mountPoint, floodFs.mountPoint] },
      stdout: { enabled: false },
      kafka: { brokers: [bootstrap], topic, compression: 'none' },
      metrics: { listen: `127.0.0.1:${port}` },
    }),
  );
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'fsfault.js'), 'watch', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const sent = new Map<string, number>();
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`, child);
    await probe(probeFs, 'idle', PROBES, sent);
    const before = errorsCount(floodFs);
    const flood = spawn('sh', ['-c', `while :; do echo f > /sys/fs/ext4/${floodFs.device}/trigger_fs_error; done`], { stdio: 'ignore' });
    try {
      await sleep(500);
      await probe(probeFs, 'flood', PROBES, sent);
    } finally {
      flood.kill('SIGKILL');
      await new Promise((r) => flood.once('exit', r));
    }
    const floodErrors = errorsCount(floodFs) - before;
    await sleep(3000); // the last merged events and the counter reconciliation reach the topic
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const idle: number[] = [];
    const floodLat: number[] = [];
    let floodEvents = 0;
    let floodReported = 0;
    for (const m of await readTopic([bootstrap], topic)) {
      const e = codec.decode(parseSingleObject(m.value!).body);
      const msg = (e.blob as { message?: string } | null)?.message ?? '';
      const t0 = sent.get(msg);
      if (t0 !== undefined && e.fs.device === probeFs.device) (msg.startsWith('idle') ? idle : floodLat).push(Number(m.timestamp) - t0);
      if (e.fs.device === floodFs.device && e.kind === 'ERROR') {
        floodEvents++;
        floodReported += e.count;
      }
    }
    return { idle: idle.sort((a, b) => a - b), flood: floodLat.sort((a, b) => a - b), floodErrors, floodEvents, floodReported };
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\nfsfault stderr:\n${stderr}`);
  }
}

async function main(): Promise<void> {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount']);
  const codec = new EventCodec(schemaFor(validateConfig({})));
  const pool = new LoopFsPool('fsfault-bench-latency-');
  const broker = await startBroker({ version: VERSION });
  try {
    const probeFs = pool.create('ext4');
    const floodFs = pool.create('ext4');
    // Every trigger must reach the kernel log: lift ext4's 10-per-5-s ratelimit on these throwaway filesystems.
    for (const lf of [probeFs, floodFs]) pool.setSysctl(`/sys/fs/ext4/${lf.device}/err_ratelimit_interval_ms`, '0');
    console.log(`kernel error → broker LogAppendTime, Kafka ${VERSION}, ${PROBES} probes per phase, one every ${GAP_MS} ms (ms)`);
    const results: Result[] = [];
    for (const v of VARIANTS) {
      const r = await runVariant(v, broker.bootstrap, probeFs, floodFs, pool.dir, codec);
      results.push(r);
      const line = (xs: number[]) => `n=${xs.length} p50 ${pct(xs, 50)} p90 ${pct(xs, 90)} p99 ${pct(xs, 99)} max ${xs[xs.length - 1]}`;
      console.log(`\n${v.name}`);
      console.log(`  idle : ${line(r.idle)}`);
      console.log(`  flood: ${line(r.flood)}`);
      console.log(`  flood: ${r.floodErrors} kernel errors → ${r.floodEvents} events (${(r.floodErrors / Math.max(1, r.floodEvents)).toFixed(1)} errors/event), counts add up to ${r.floodReported}`);
    }
    const [base, cand] = results as [Result, Result];
    console.log(`\nratio adaptive/fixed: idle p50 ${(pct(cand.idle, 50) / pct(base.idle, 50)).toFixed(2)}, idle p99 ${(pct(cand.idle, 99) / pct(base.idle, 99)).toFixed(2)}, ` +
      `flood p99 ${(pct(cand.flood, 99) / pct(base.flood, 99)).toFixed(2)}, flood errors/event ${((cand.floodErrors / Math.max(1, cand.floodEvents)) / (base.floodErrors / Math.max(1, base.floodEvents))).toFixed(2)}`);
    console.log('target: adaptive idle p99 <= 50 ms, flood errors/event about the same as fixed');
  } finally {
    await broker.stop();
    const problems = pool.cleanup();
    if (problems.length) console.error(`cleanup: ${problems.join('; ')}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
