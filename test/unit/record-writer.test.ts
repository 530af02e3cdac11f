/**
 * The generated record writer (core/avro/record-writer.ts) against avsc, its reference: for random
 * values it returns exactly avsc's `toBuffer` bytes, or throws (EventCodec then calls avsc) — and it
 * never succeeds where avsc refuses. Values come from fast-check arbitraries derived from the same
 * parsed schema: the event schema composed with every shipped plugin, and a schema that uses every
 * Avro type (nested and recursive records, wrapped and unwrapped unions, maps, enums, fixed,
 * float/double, bytes). Strings include unicode, astral characters and lone surrogates (avsc writes
 * those differently below and above 64 bytes); longs include the safe-range ends; bytes include
 * blobs larger than a slab; small scalar records (the filesystem identity) repeat from a pool so
 * the memo of their encodings is hit.
 *
 * FSFAULT_WRITER_PROP_RUNS=<n> runs more values; FSFAULT_WRITER_PROP_SEED=<n> replays a seed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRecordWriter } from '../../core/avro/record-writer';
import { parseAvroSchema, type AvroType } from '../../core/edges/avro';
import { writePlan, type WritePlan } from '../../core/edges/avro-plan';
import type { FsEvent } from '../../core/model/event';
import type { FsPlugin } from '../../core/plugin-api';
import { EventCodec } from '../../core/schema/codec';
import { composeSchema } from '../../core/schema/compose';
import { btrfsPlugin } from '../../plugins/btrfs';
import { examplePlugin } from '../../plugins/example';
import { ext4Plugin } from '../../plugins/ext4';
import { xfsPlugin } from '../../plugins/xfs';

const RUNS = Number(process.env.FSFAULT_WRITER_PROP_RUNS ?? 300);
const SEED = process.env.FSFAULT_WRITER_PROP_SEED === undefined ? undefined : Number(process.env.FSFAULT_WRITER_PROP_SEED);
// A failure must report, not shrink for ever through large values (20 KB blobs): bounded in time.
const params = { numRuns: RUNS, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) };

const PLUGINS = [ext4Plugin, xfsPlugin, btrfsPlugin, examplePlugin] as unknown as FsPlugin[];

const SAFE = 9007199254740990;

const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xffff }).map((c) => String.fromCharCode(c)) }, // incl. lone surrogates
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);
const text = fc.oneof(
  fc.string({ unit, maxLength: 40 }),
  fc.string({ unit, minLength: 20, maxLength: 300 }), // across avsc's 64-byte boundary
  fc.constantFrom('', 'ext4', '1a6bc62b-b6c0-4aaa-bed2-3a64da428125', 'é'.repeat(32), 'x'.repeat(64), '\ud800', 'a\udc00b'),
);
const long = fc.oneof(
  fc.integer(),
  fc.integer({ min: -SAFE, max: SAFE }),
  fc.constantFrom(0, -1, 1, 63, 64, -64, -65, 2 ** 30 - 1, 2 ** 30, -(2 ** 30), -(2 ** 30) - 1, 2 ** 31, -(2 ** 31), SAFE, -SAFE, 2 ** 52, -(2 ** 52)),
);
const bytes = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 3000, maxLength: 20000 }) }, // larger than a slab's quarter / a slab
).map((a) => Buffer.from(a));

/** An arbitrary of values valid for `plan`, as avsc takes them (records as plain objects). */
function arbFor(plan: WritePlan, depth = 0): fc.Arbitrary<unknown> {
  switch (plan.t) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'int':
      return fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31)));
    case 'long':
      return long;
    case 'float':
    case 'double':
      return fc.oneof(fc.double(), fc.integer());
    case 'string':
      return text;
    case 'bytes':
      return bytes;
    case 'fixed':
      return fc.uint8Array({ minLength: plan.size, maxLength: plan.size }).map((a) => Buffer.from(a));
    case 'enum':
      return fc.constantFrom(...plan.symbols);
    case 'array':
      return fc.array(arbFor(plan.items, depth + 1), { maxLength: depth > 3 ? 0 : 4 });
    case 'map':
      return fc.dictionary(text, arbFor(plan.values, depth + 1), { maxKeys: depth > 3 ? 0 : 3 });
    case 'record': {
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const f of plan.fields) model[f.name] = arbFor(f.type, depth + 1);
      // Fields with a default may be left out: avsc then writes the default.
      const requiredKeys = plan.fields.filter((f) => f.defaultBytes === null).map((f) => f.name);
      return fc.record(model, { requiredKeys });
    }
    case 'union': {
      // Past a small depth only the null branch, so recursive types end.
      const branches = depth > 4 && plan.branches.some((b) => b.name === 'null') ? plan.branches.filter((b) => b.name === 'null') : plan.branches;
      return fc.oneof(
        ...branches.map((b) => {
          const value = arbFor(b.type, depth + 1);
          return plan.wrapped && b.name !== 'null' ? value.map((v) => ({ [b.name]: v })) : value;
        }),
      );
    }
  }
}

/** Either avsc's bytes, or a throw when avsc throws too (or the writer declined). */
function sameAsAvsc(type: AvroType, write: (v: unknown) => Buffer, value: unknown, mustWrite: boolean): void {
  let mine: Buffer | Error;
  try {
    mine = write(value);
  } catch (e) {
    mine = e as Error;
  }
  let ref: Buffer | Error;
  try {
    ref = type.toBuffer(value);
  } catch (e) {
    ref = e as Error;
  }
  if (mine instanceof Error) {
    assert.ok(!mustWrite || ref instanceof Error, `the writer declined a value avsc writes: ${mine.message}`);
    return;
  }
  assert.ok(Buffer.isBuffer(ref), `the writer wrote a value avsc refuses: ${(ref as Error).message}`);
  assert.ok(mine.equals(ref), `bytes differ:\n  writer ${mine.toString('hex').slice(0, 400)}\n  avsc   ${ref.toString('hex').slice(0, 400)}`);
}

const EVERY_TYPE = {
  type: 'record',
  name: 'Every',
  namespace: 'test.writer',
  fields: [
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long', default: -3 },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 'by', type: 'bytes', default: 'ab\u00ff' },
    { name: 's', type: 'string', default: 'défaut' },
    { name: 'fx', type: { type: 'fixed', name: 'Sixteen', size: 16 } },
    { name: 'e', type: { type: 'enum', name: 'Colour', symbols: ['RED', 'GREEN', 'BLUE'] }, default: 'GREEN' },
    { name: 'a', type: { type: 'array', items: 'long' }, default: [1, 2] },
    { name: 'm', type: { type: 'map', values: ['null', 'string'] }, default: {} },
    { name: 'u', type: ['null', 'string', 'long', 'boolean', 'bytes', { type: 'array', items: 'int' }, 'Colour'], default: null },
    { name: 'w', type: ['null', 'Sixteen', { type: 'record', name: 'Pair', fields: [{ name: 'k', type: 'string' }, { name: 'v', type: 'int' }] }, { type: 'record', name: 'Other', fields: [{ name: 'x', type: 'double' }] }] },
    { name: 'ws', type: ['string', 'int', 'long'] },
    { name: 'next', type: ['null', 'Every'], default: null },
    { name: 'pairs', type: { type: 'array', items: 'Pair' }, default: [] },
    { name: 'n', type: 'null' },
  ],
};

const eventType = composeSchema(PLUGINS).type;
const everyType = parseAvroSchema(EVERY_TYPE);

describe('generated record writer', () => {
  for (const [name, type] of [['the event schema with every shipped plugin', eventType], ['a schema with every Avro type', everyType]] as const) {
    it(`writes avsc's bytes for random valid values of ${name}`, () => {
      const plan = writePlan(type);
      assert.ok(plan, 'the schema is planned');
      const write = compileRecordWriter(plan);
      fc.assert(fc.property(arbFor(plan), (v) => sameAsAvsc(type, write, v, true)), params);
    });

    it(`never writes what avsc refuses, for random bad values of ${name}`, () => {
      const plan = writePlan(type);
      assert.ok(plan && plan.t === 'record');
      const write = compileRecordWriter(plan);
      // A valid value with one field replaced by anything (wrong types, undefined, objects ...).
      const bad = fc.tuple(arbFor(plan), fc.nat(plan.fields.length - 1), fc.anything({ withBigInt: true, withBoxedValues: true, withNullPrototype: true, withTypedArray: true })).map(
        ([v, i, junk]) => ({ ...(v as object), [plan.fields[i]!.name]: junk }),
      );
      fc.assert(fc.property(bad, (v) => sameAsAvsc(type, write, v, false)), params);
    });
  }

  it('small scalar records repeated from a pool (the memo) still write avsc\'s bytes', () => {
    for (const type of [eventType, everyType]) {
      const plan = writePlan(type)!;
      const write = compileRecordWriter(plan);
      // A few values, encoded again and again in random order: repeats hit the memo, a value that
      // differs in one field must not.
      const pool = fc.array(arbFor(plan), { minLength: 1, maxLength: 4 });
      fc.assert(
        fc.property(pool, fc.array(fc.nat(), { minLength: 10, maxLength: 60 }), (values, picks) => {
          for (const i of picks) sameAsAvsc(type, write, values[i % values.length], true);
        }),
        { ...params, numRuns: Math.max(30, RUNS / 5) },
      );
    }
  });

  it('bodies handed out earlier stay intact while later ones fill and overflow slabs', () => {
    const plan = writePlan(everyType)!;
    const write = compileRecordWriter(plan);
    fc.assert(
      fc.property(fc.array(arbFor(plan), { minLength: 20, maxLength: 80 }), (values) => {
        const out = values.map((v) => write(v));
        values.forEach((v, i) => assert.ok(out[i]!.equals(everyType.toBuffer(v)), `body ${i} changed after later writes`));
      }),
      { ...params, numRuns: Math.max(20, RUNS / 10) },
    );
  });

  it('EventCodec encodes through it: same bytes as avsc, and a bad event still fails naming the field', () => {
    const codec = new EventCodec(composeSchema(PLUGINS));
    const e: FsEvent = {
      id: '1a6bc62b-b6c0-4aaa-bed2-3a64da428125',
      host: 'hôst-ü',
      kind: 'ERROR',
      fs: { type: 'ext4', device: 'loop0', majorMinor: '7:0', fsid: null, uuid: null, mountPoint: '/srv/vol0', mountUid: null },
      errno: 117,
      errnoName: 'EUCLEAN',
      count: 1,
      firstSeen: 1_795_000_000_001_000,
      lastSeen: 1_795_000_000_001_000,
      sources: ['kmsg'],
      subtypes: 1,
      inode: 101,
      handleType: null,
      handle: null,
      path: null,
      plugin: 'ext4',
      blob: { messageType: 'error', function: 'ext4_lookup', line: 1855 },
      lost: null,
      death: null,
    };
    assert.ok(codec.encode(e).equals(codec.schema.type.toBuffer(codec.toRecord(e))));
    assert.deepEqual(codec.decode(codec.encode(e)).blob, { ...e.blob, ...{ inode: null, block: null, lblock: null, group: null, comm: null, pid: null, path: null, message: null, generation: null, journalInode: null, shutdownFlags: null, sector: null, operation: null, suppressedLines: null, reportedErrors: null, errorTime: null, level: null, seq: null, lines: null, fanotifyEvents: null, functions: null } });
    assert.throws(
      () => codec.encode({ ...e, count: 1.5 }),
      (err: Error & { code?: string }) => err.code === 'ENCODE_FAILED' && /count = 1\.5/.test(err.message),
    );
  });
});
