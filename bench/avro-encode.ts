/**
 * Avro encode vs JSON.stringify of the same events. The events are the real path's: the flood lines
 * of bench/pipeline-flood classified by the shipped ext4 and XFS plugins (core Classifier, a mount
 * table with their filesystems), so each carries its plugin's blob. Avro is `EventCodec.encode`
 * (what the queue charges and the store writes: the event → Avro record mapping, then avsc's
 * compiled writer); the baseline is `JSON.stringify` of the same event objects. The two alternate in
 * rounds so both see the same machine load. Printed: events/s of each, the speed ratio (target:
 * Avro >= 2x faster) and the byte ratio (target: Avro <= 30 % of the JSON bytes), then where the
 * Avro bytes go, field by field (each field's value encoded alone with its own Avro type), and what
 * the schema changes that would reach 30 % would save — changes fsfault does not make (README
 * "Schema and evolution": they are incompatible with stored data, files and the registry subject).
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
import { parseAvroSchema, type AvroType } from '../core/edges/avro';
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
  breakdown(codec, events, avroBytes, jsonBytes);
  if (speed < TARGET_SPEED || bytes > TARGET_BYTES) process.exitCode = 1;
}

type FieldSchema = { name: string; type: unknown };

/**
 * Average encoded bytes per event of each field: top-level fields, and one level into the
 * filesystem record and the blob record (by plugin). Named types are defined where first used, so
 * a field's type is parsed together with everything declared before it.
 */
function breakdown(codec: EventCodec, events: FsEvent[], avroBytes: number, jsonBytes: number): void {
  const fields = (codec.schema.json as { fields: FieldSchema[] }).fields;
  const types = new Map<string, AvroType>();
  const typeOf = (key: string, schema: unknown): AvroType => {
    let t = types.get(key);
    if (!t) types.set(key, (t = parseAvroSchema(schema)));
    return t;
  };
  const sizes = new Map<string, number>();
  const add = (k: string, n: number): void => void sizes.set(k, (sizes.get(k) ?? 0) + n);
  for (const e of events) {
    const rec = codec.toRecord(e);
    for (const f of fields) {
      const v = rec[f.name];
      const sub = f.name === 'fs' ? (f.type as { fields: FieldSchema[] }) : null;
      if (sub) {
        for (const g of sub.fields) add(`fs.${g.name}`, typeOf(`fs.${g.name}`, g.type).toBuffer((v as Record<string, unknown>)[g.name]).length);
      } else if (f.name === 'blob' && v !== null) {
        const [full, bv] = Object.entries(v as Record<string, Record<string, unknown>>)[0]!;
        const branch = (f.type as { name?: string; namespace?: string; fields?: FieldSchema[] }[]).find((b) => `${b.namespace}.${b.name}` === full)!;
        add('blob (union index)', 1);
        for (const g of branch.fields!) add(`blob.${g.name}`, typeOf(`${full}.${g.name}`, g.type).toBuffer(bv[g.name]).length);
      } else add(f.name, typeOf(f.name, f.type).toBuffer(v).length);
    }
  }
  const n = events.length;
  const per = (k: string): number => (sizes.get(k) ?? 0) / n;
  const rows = [...sizes.keys()].sort((a, b) => per(b) - per(a));
  const big = rows.filter((k) => per(k) >= 4);
  const rest = rows.filter((k) => per(k) < 4);
  console.log(`avro-encode bytes by field (B/event): ${big.map((k) => `${k} ${per(k).toFixed(1)}`).join(', ')}; ${rest.length} other fields ${rest.reduce((a, k) => a + per(k), 0).toFixed(1)}`);
  // What each schema change would save, from the figures above (a UUID as fixed(16) instead of its
  // 36-character text, a string with few values as an enum: 1 byte for its index).
  const avro = avroBytes / n;
  const goal = (TARGET_BYTES * jsonBytes) / n;
  const savings: [string, number][] = [
    ['id as fixed(16)', per('id') - 16],
    ['fs.uuid as fixed(16)', Math.max(0, per('fs.uuid') - 17)],
    ['subtypes, sources, errnoName, blob.messageType as enums', ['subtypes', 'sources', 'errnoName', 'blob.messageType'].reduce((a, k) => a + Math.max(0, per(k) - 2), 0)],
  ];
  console.log(
    `avro-encode bytes: ${avro.toFixed(0)} B/event, ${TARGET_BYTES * 100} % of JSON is ${goal.toFixed(0)} B (${(avro - goal).toFixed(0)} B to save); ` +
      `would save: ${savings.map(([what, b]) => `${what} ${b.toFixed(0)} B`).join(', ')} — ` +
      'not done: each changes a field\'s type, which Avro resolution cannot read across (string → fixed/enum), so the registry ' +
      'subject, stored rows and written files would need a new incompatible schema, and ids would no longer be text in DuckDB/fastavro',
  );
}

main();
