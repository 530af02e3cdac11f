import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { composeSchema } from '../../core/schema/compose';
import { EventCodec } from '../../core/schema/codec';
import { parseAvroSchema, rabinFingerprint } from '../../core/edges/avro';
import { examplePlugin } from '../../plugins/example';
import { definePlugin, type FsPlugin } from '../../core/plugin-api';
import type { FsEvent } from '../../core/model/event';
import { isFsfaultError } from '../../core/errors';

/** A second plugin, standing for "a plugin added later". */
const laterPlugin: FsPlugin = definePlugin({
  meta: { name: 'later', version: '1.0.0', coreApi: '^1.0.0', fsTypes: ['laterfs'] },
  blobSchema: { type: 'record', name: 'fsfault.plugins.later.LaterBlob', fields: [{ name: 'agno', type: ['null', 'long'], default: null }] },
  classify: () => null,
  mergeKey: () => null,
  merge: (a) => a,
  terminal: () => null,
});

function event(over: Partial<FsEvent> = {}): FsEvent {
  return {
    id: 'e1',
    host: 'h',
    kind: 'ERROR',
    fs: { type: 'examplefs', device: 'sdz1', majorMinor: '8:161', fsid: '00000000deadbeef', uuid: null, mountPoint: '/mnt/ex', mountUid: null },
    errno: 5,
    errnoName: 'EIO',
    count: 3,
    firstSeen: 1763700000000000,
    lastSeen: 1763700000004000,
    sources: ['kmsg'],
    subtypes: 0b10000,
    inode: null,
    handleType: null,
    handle: null,
    path: null,
    plugin: 'example',
    blob: { function: 'read_block', line: 42, message: 'bad block', functions: ['read_block'] },
    lost: null,
    death: null,
    ...over,
  };
}

describe('schema composition', () => {
  it('is deterministic: same plugins in any order give the same text and fingerprint', () => {
    const a = composeSchema([examplePlugin, laterPlugin]);
    const b = composeSchema([laterPlugin, examplePlugin]);
    assert.equal(a.text, b.text);
    assert.equal(a.fingerprint, b.fingerprint);
    assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
    assert.notEqual(composeSchema([examplePlugin]).fingerprint, a.fingerprint);
  });

  it('computes CRC-64-AVRO fingerprints matching the Avro spec vectors', () => {
    // Values from the Avro Java test suite (SchemaNormalization), as signed 64-bit longs.
    const fp = (s: string) => rabinFingerprint(s).readBigInt64LE();
    assert.equal(fp('"null"'), 7195948357588979594n);
    assert.equal(fp('"int"'), 8247732601305521295n);
    assert.equal(fp('"string"'), -8142146995180207161n);
  });

  it('round-trips ERROR, LOST and DIED events, including an unknown plugin blob', () => {
    const codec = new EventCodec(composeSchema([examplePlugin]));
    const samples = [
      event(),
      event({ kind: 'LOST', plugin: null, blob: null, count: 12, lost: { byFilesystem: [{ device: '*', count: 12 }], errnos: [5], reasons: [{ reason: 'kmsg-overrun', count: 12 }] } }),
      event({ kind: 'DIED', death: { reason: 'shutdown: log write failed', suppressed: 2 } }),
      event({ plugin: 'gone', blob: { anything: [1, 2] } }),
    ];
    for (const e of samples) assert.deepStrictEqual(codec.decode(codec.encode(e)), e);
  });

  it('names the failing field when an event does not match the schema', () => {
    const codec = new EventCodec(composeSchema([examplePlugin]));
    assert.throws(
      () => codec.encode(event({ blob: { function: 'f', line: 'not a number', message: null, functions: [] } })),
      (e: unknown) => isFsfaultError(e, 'ENCODE_FAILED') && /blob.*line/.test((e as Error).message),
    );
  });

  it('evolution: adding a plugin is backward compatible (new reader reads old data), not forward', () => {
    const oldSchema = composeSchema([examplePlugin]);
    const newSchema = composeSchema([examplePlugin, laterPlugin]);
    const oldBody = new EventCodec(oldSchema).encode(event());
    const decoded = new EventCodec(newSchema).decode(oldBody, oldSchema.type);
    assert.deepStrictEqual(decoded, event());
    // Not forward compatible: a reader without the new branch cannot resolve the new writer schema.
    // Consumers fetch the writer schema (registry id, container-file header, store fingerprint), so
    // this only matters for readers pinned to an old schema; the README says so.
    assert.throws(() => oldSchema.type.createResolver(newSchema.type));
  });

  it('evolution: removing a core field or changing its type is not compatible', () => {
    const s = composeSchema([examplePlugin]).json as { fields: { name: string; type: unknown }[] };
    const broken = { ...s, fields: s.fields.map((f) => (f.name === 'count' ? { ...f, type: 'string' } : f)) };
    assert.throws(() => parseAvroSchema(broken).createResolver(parseAvroSchema(s)));
  });

  it('refuses a plugin blob schema outside its namespace or without defaults', () => {
    const bad = (blobSchema: FsPlugin['blobSchema']) => ({ ...laterPlugin, blobSchema });
    assert.throws(() => composeSchema([bad({ type: 'record', name: 'Blob', fields: [] })]), (e: unknown) => isFsfaultError(e, 'PLUGIN_INVALID'));
    assert.throws(
      () => composeSchema([bad({ type: 'record', name: 'fsfault.plugins.later.B', fields: [{ name: 'x', type: 'int' }] })]),
      (e: unknown) => isFsfaultError(e, 'PLUGIN_INVALID') && /'x' has no default/.test((e as Error).message),
    );
  });
});
