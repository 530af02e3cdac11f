/**
 * Avro encode vs JSON.stringify of the same events. The events are the real path's: the flood lines
 * of bench/pipeline-flood classified by the shipped ext4 and XFS plugins (core Classifier, a mount
 * table with their filesystems), so each carries its plugin's blob. Avro is `EventCodec.encode`
 * (what the queue charges and the store writes: the event → Avro record mapping, then avsc's
 * compiled writer); the baseline is `JSON.stringify` of the same event objects. The two alternate in
 * rounds so both see the same machine load. Printed: events/s of each, the speed ratio (target:
 * Avro >= 2x faster) and the byte ratio (target: Avro <= 30 % of the JSON bytes).
 *
 *   node dist/bench/avro-encode.js          (FSFAULT_BENCH_EVENTS=20000 distinct events, FSFAULT_BENCH_ROUNDS=20)
 */
import { Classifier } from '../core/pipeline/classifier';
import { MountTable } from '../core/pipeline/mount-table';
import type { FsEvent } from '../core/model/event';
import type { FsPlugin } from '../core/plugin-api';
import { PluginRegistry } from '../core/plugins/registry';
import { EventCodec } from '../core/schema/codec';
import { composeSchema } from '../core/schema/compose';
import { parseReplayLine } from '../core/sources/replay-line';
import { ext4Plugin } from '../plugins/ext4';
import { xfsPlugin } from '../plugins/xfs';
import { Lines, mountLines } from './flood-lines';

const EVENTS = Number(process.env.FSFAULT_BENCH_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.FSFAULT_BENCH_ROUNDS ?? 20);
const TARGET_SPEED = 2;
const TARGET_BYTES = 0.3;

function classifiedEvents(n: number): FsEvent[] {
  const registry = new PluginRegistry([ext4Plugin as unknown as FsPlugin, xfsPlugin as unknown as FsPlugin]);
  const mounts = new MountTable();
  for (const l of mountLines()) {
    const r = parseReplayLine(l, 'bench');
    if (r.source === 'mount') mounts.add(r.mount);
  }
  const classifier = new Classifier(registry, mounts, 'bench-host');
  const lines = new Lines();
  const out: FsEvent[] = [];
  while (out.length < n) {
    const r = parseReplayLine(lines.next(), 'bench');
    const e = classifier.classify(r);
    if (typeof e !== 'string') out.push(e);
  }
  return out;
}

function main(): void {
  const events = classifiedEvents(EVENTS);
  const codec = new EventCodec(composeSchema([ext4Plugin as unknown as FsPlugin, xfsPlugin as unknown as FsPlugin]));
  let avroBytes = 0;
  let jsonBytes = 0;
  for (const e of events) {
    avroBytes += codec.encode(e).length;
    jsonBytes += Buffer.byteLength(JSON.stringify(e));
  }
  // Warm both paths up before timing (JIT), then alternate.
  for (const e of events) {
    codec.encode(e);
    JSON.stringify(e);
  }
  let avroNs = 0n;
  let jsonNs = 0n;
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = process.hrtime.bigint();
    for (const e of events) sink += codec.encode(e).length;
    avroNs += process.hrtime.bigint() - t0;
    t0 = process.hrtime.bigint();
    for (const e of events) sink += JSON.stringify(e).length;
    jsonNs += process.hrtime.bigint() - t0;
  }
  const n = EVENTS * ROUNDS;
  const avroRate = n / (Number(avroNs) / 1e9);
  const jsonRate = n / (Number(jsonNs) / 1e9);
  const speed = avroRate / jsonRate;
  const bytes = avroBytes / jsonBytes;
  const k = (r: number): string => `${(r / 1e3).toFixed(0)}k`;
  console.log(`avro-encode: ${EVENTS} classified ext4/XFS events x ${ROUNDS} rounds (checksum ${sink})`);
  console.log(`avro-encode speed: Avro ${k(avroRate)} events/s, JSON.stringify ${k(jsonRate)}/s, ratio ${speed.toFixed(2)} (target >= ${TARGET_SPEED})`);
  console.log(`avro-encode size: Avro ${(avroBytes / EVENTS).toFixed(0)} B/event, JSON ${(jsonBytes / EVENTS).toFixed(0)} B/event, ratio ${bytes.toFixed(2)} (target <= ${TARGET_BYTES})`);
  if (speed < TARGET_SPEED || bytes > TARGET_BYTES) process.exitCode = 1;
}

main();
