/**
 * Idle cost: CPU time an idle `fsfault watch` (live sources on this machine, store, no events)
 * uses over a window, with a Kafka connector connected to a real broker, against the same watch
 * without Kafka measured in the same run (the baseline). CPU = utime + stime of the watch process
 * from /proc/PID/stat, after a warm-up. Root only (live sources).
 *
 *   npm run build && node dist/bench/kafka-idle-cpu.js [SECONDS] [VERSION] [--bin PATH]
 *
 * --bin runs another build's bin/fsfault.js (e.g. a checkout without the kafkajs idle fix) for a
 * before/after comparison. Target: with Kafka <= 0.5 % of one core over 60 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpuOfPid } from './proc-cpu';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KafkaTransport } from '../connectors/kafka/kafkajs-adapter';
import { repoRoot } from '../test/helpers/paths';
import { startBroker, KAFKA_VERSIONS } from '../test/kafka/helpers/broker';
import { randomTopic } from '../test/kafka/helpers/topic';

const args = process.argv.slice(2);
const binAt = args.indexOf('--bin');
const BIN = binAt >= 0 ? path.resolve(args.splice(binAt, 2)[1]!) : path.join(repoRoot, 'bin', 'fsfault.js');
const SECONDS = Number(args[0] ?? 60);
const VERSION = args[1] ?? KAFKA_VERSIONS[0]!;
const WARMUP_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


async function measure(name: string, extra: string[]): Promise<number> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-bench-idle-'));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'watch', '--state-dir', stateDir, '--host', 'bench-idle', '--no-stdout', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await sleep(WARMUP_MS);
    if (child.exitCode !== null) throw new Error(`watch exited (${child.exitCode}): ${stderr}`);
    const c0 = cpuOfPid(child.pid!);
    const t0 = process.hrtime.bigint();
    await sleep(SECONDS * 1000);
    const cpu = cpuOfPid(child.pid!) - c0;
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const pctCore = (100 * cpu) / wall;
    console.log(`${name.padEnd(28)} ${cpu.toFixed(2)} s CPU in ${wall.toFixed(1)} s = ${pctCore.toFixed(2)} % of a core`);
    return pctCore;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the idle bench runs the live watch: run it as root');
  const broker = await startBroker({ version: VERSION });
  try {
    const topic = randomTopic('fsf-idle');
    const t = new KafkaTransport({ brokers: [broker.bootstrap], clientId: 'bench-admin', compression: 'none' });
    await t.createTopic(topic, 3);
    await t.close();
    console.log(`idle fsfault watch, ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up, Kafka ${VERSION}, bin ${BIN}`);
    const base = await measure('without Kafka (baseline)', []);
    const kafka = await measure('with Kafka connected', ['--kafka', broker.bootstrap, '--topic', topic]);
    console.log(`ratio with/without: ${(kafka / Math.max(base, 0.01)).toFixed(2)}; extra for Kafka ${(kafka - base).toFixed(2)} % of a core (target: with Kafka <= 0.5 %)`);
  } finally {
    await broker.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
