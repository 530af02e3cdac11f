/**
 * Pure parts of the Kafka connector (no broker): framings, headers, keys, resume arithmetic,
 * backoff, subject names, and the registry client's failover against the test registry server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { frameConfluent, parseConfluent } from '../../connectors/kafka/confluent-wire';
import { frameSingleObject, parseSingleObject } from '../../connectors/kafka/single-object';
import { buildHeaders, parseHeaders, parseOrderHeaders } from '../../connectors/kafka/headers';
import { messageKey } from '../../connectors/kafka/message-key';
import { arrivedByPartition, contiguousArrived } from '../../connectors/kafka/resume';
import { backoffDelay, retriesLeft } from '../../core/pipeline/retry';
import { subjectName } from '../../connectors/kafka/subject';
import { RegistryClient } from '../../connectors/kafka/registry-client';
import { classifyKafkaError, kafkajsKeyPartition } from '../../connectors/kafka/kafkajs-adapter';
import { keyPartition } from '../../connectors/kafka/murmur2';
import { isFsfaultError } from '../../core/errors';
import { rabinFingerprint } from '../../core/edges/avro';
import { startRegistry } from '../kafka/registry-server';
import { ext4Test, xfsTest, ext4TestBroken, schemaWith, errorEvent } from '../kafka/helpers/events';

describe('kafka wire formats', () => {
  it('Confluent frame: magic 0, big-endian id, body', () => {
    const f = frameConfluent(0x01020304, Buffer.from([0xaa, 0xbb]));
    assert.deepEqual([...f], [0, 1, 2, 3, 4, 0xaa, 0xbb]);
    assert.deepEqual(parseConfluent(f), { schemaId: 0x01020304, body: Buffer.from([0xaa, 0xbb]) });
    assert.throws(() => parseConfluent(Buffer.from([1, 0, 0, 0, 1])), /magic byte is 0x01/);
    assert.throws(() => parseConfluent(Buffer.from([0, 0])), /too short: 2 bytes/);
    assert.throws(() => frameConfluent(-1, Buffer.alloc(0)), /not a 32-bit/);
  });

  it('single-object: C3 01 + little-endian CRC-64-AVRO of the canonical form', () => {
    // The Avro spec's test vector: fingerprint64("null") = 0x63dd24e7cc258f8a, written little-endian.
    assert.equal(rabinFingerprint('"null"').toString('hex'), '8a8f25cce724dd63');
    const { schema, codec } = schemaWith(ext4Test);
    const body = codec.encode(errorEvent('h', 1));
    const f = frameSingleObject(schema.fingerprint, body);
    assert.deepEqual([...f.subarray(0, 2)], [0xc3, 0x01]);
    assert.equal(f.subarray(2, 10).toString('hex'), schema.fingerprint);
    const p = parseSingleObject(f);
    assert.equal(p.fingerprint, schema.fingerprint);
    assert.equal(codec.decode(p.body).errno, 5);
    assert.throws(() => parseSingleObject(Buffer.alloc(12)), /marker is 0000/);
    assert.throws(() => frameSingleObject('xyz', body), /not 16 hex digits/);
  });

  it('headers round-trip; messages without fsfault headers are not ours', () => {
    const h = buildHeaders({ eventId: 'e1', storeId: 'ab12', storeOffset: 42, host: 'a', fingerprint: '0011223344556677', schemaId: 7 });
    const raw = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(v)]));
    assert.deepEqual(parseHeaders(raw), { eventId: 'e1', storeId: 'ab12', storeOffset: 42, host: 'a', fingerprint: '0011223344556677', schemaId: 7 });
    assert.equal(parseHeaders({ 'fsfault.host': 'a' }), null);
    assert.equal(buildHeaders({ eventId: 'e', storeId: 's', storeOffset: 1, host: 'a', fingerprint: 'f', schemaId: null })['fsfault.schema.id'], undefined);
    // a message written before stores had an identity
    assert.equal(parseHeaders({ 'fsfault.host': 'a', 'fsfault.store.offset': '3' })?.storeId, null);
  });

  it('the fleet reads only the ordering headers, from the client\'s own header objects (repeated headers: the first value)', () => {
    const h = buildHeaders({ eventId: 'e1', storeId: 'ab12', storeOffset: 42, host: 'a', fingerprint: '0011223344556677', schemaId: 7 });
    const raw = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(v)]));
    assert.deepEqual(parseOrderHeaders(raw), { storeId: 'ab12', storeOffset: 42, host: 'a' });
    assert.deepEqual(parseOrderHeaders({ ...raw, 'fsfault.host': [Buffer.from('b'), Buffer.from('c')] }), { storeId: 'ab12', storeOffset: 42, host: 'b' });
    assert.equal(parseHeaders({ ...raw, 'fsfault.store.offset': [Buffer.from('43'), '44'] })?.storeOffset, 43);
    assert.equal(parseOrderHeaders({ 'fsfault.host': 'a' }), null);
    assert.equal(parseOrderHeaders({ 'fsfault.host': 'a', 'fsfault.store.offset': 'x1' }), null);
    assert.equal(parseOrderHeaders(undefined), null, 'a message without headers is not ours');
  });

  it('key prefers the most stable filesystem identity', () => {
    const e = errorEvent('h1', 1);
    assert.equal(messageKey(e), 'h1/ext4test/uuid:0000-loop0');
    assert.equal(messageKey({ host: 'h1', fs: { ...e.fs, uuid: null, fsid: 'ab' } }), 'h1/ext4test/fsid:ab');
    assert.equal(messageKey({ host: 'h1', fs: { ...e.fs, uuid: null, fsid: null } }), 'h1/ext4test/dev:7:0');
    assert.equal(messageKey({ host: 'h1', fs: { type: '*', device: null, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null } }), 'h1/*/-');
  });
});

describe('kafka key partitioning', () => {
  it("murmur2.ts picks kafkajs' (and the Java client's) partition for every key", () => {
    let seed = 42;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789/-_:.*é€𝄞';
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'host-00042/ext4/uuid:host-00042-1', '3/host-1/device:loop0'];
    for (let i = 0; i < 5000; i++) keys.push(Array.from({ length: Math.floor(rnd() * 70) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
    for (const key of keys) for (const n of [1, 3, 12, 50, 97]) assert.equal(keyPartition(key, n), kafkajsKeyPartition(key, n), `key ${JSON.stringify(key)} over ${n}`);
  });
});

describe('kafka resume arithmetic', () => {
  const msg = (partition: number, store: string, off: number, host = 'same-host') => ({ partition, headers: { 'fsfault.host': host, 'fsfault.store.id': store, 'fsfault.store.offset': String(off) } });

  it('takes the highest store offset per partition for this store only, whatever the host name', () => {
    const legacy = { partition: 0, headers: { 'fsfault.host': 'same-host', 'fsfault.store.offset': '500' } };
    const a = arrivedByPartition([msg(0, 'a', 5), msg(0, 'b', 99), msg(1, 'a', 7), msg(0, 'a', 9), { partition: 2, headers: {} }, legacy], 'a');
    assert.deepEqual([...a].sort(), [[0, 9], [1, 7]]);
  });

  it('contiguous prefix stops at the first event not in its partition', () => {
    const arrived = new Map([[0, 10], [1, 4]]);
    const evs = [5, 6, 7, 8].map((offset, i) => ({ offset, partition: i % 2 }));
    // 5→p0 (≤10 ok), 6→p1 (>4: not arrived) → prefix 5
    assert.deepEqual(contiguousArrived(evs, arrived, 4), { offset: 5, complete: true });
    assert.deepEqual(contiguousArrived([{ offset: 5, partition: 0 }], arrived, 4), { offset: 5, complete: false });
    assert.deepEqual(contiguousArrived([{ offset: 5, partition: 2 }], arrived, 4), { offset: 4, complete: true });
  });
});

describe('kafka retry policy and naming', () => {
  it('backoff doubles, is capped, and keeps jitter within [d/2, d]', () => {
    const p = { initialMs: 100, maxMs: 1000 };
    assert.equal(backoffDelay(0, p, () => 1), 100);
    assert.equal(backoffDelay(0, p, () => 0), 50);
    assert.equal(backoffDelay(3, p, () => 1), 800);
    assert.equal(backoffDelay(50, p, () => 1), 1000);
    assert.equal(retriesLeft(1_000_000, { maxRetries: -1 }), true);
    assert.equal(retriesLeft(3, { maxRetries: 3 }), false);
  });

  it('subject strategies', () => {
    assert.equal(subjectName('topic', 'fs-errors', 'fsfault.Event'), 'fs-errors-value');
    assert.equal(subjectName('record', 'fs-errors', 'fsfault.Event'), 'fsfault.Event');
  });

  it('classifies kafkajs errors through their cause chain', () => {
    const inner = Object.assign(new Error('not authorized'), { name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED' });
    const outer = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: inner });
    assert.equal(classifyKafkaError(outer).retriable, false);
    assert.match(classifyKafkaError(outer).reason, /TOPIC_AUTHORIZATION_FAILED/);
    const conn = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' });
    assert.equal(classifyKafkaError(conn).retriable, true);
  });
});

describe('registry client against the test registry server', () => {
  it('checks, registers, dedupes ids, refuses incompatible schemas with the reason, and fails over', async () => {
    const reg = await startRegistry({ bearerToken: 't0k' });
    try {
      const c = new RegistryClient({ urls: ['http://127.0.0.1:9', reg.url], bearerToken: 't0k', timeoutMs: 2000 });
      const v1 = schemaWith(ext4Test).schema.text;
      assert.deepEqual(await c.checkCompatibility('s-value', v1), { kind: 'no-subject' });
      const id1 = await c.register('s-value', v1);
      assert.equal(await c.register('s-value', v1), id1);
      assert.equal(await c.schemaById(id1), v1);
      const v2 = schemaWith(ext4Test, xfsTest).schema.text;
      assert.deepEqual(await c.checkCompatibility('s-value', v2), { kind: 'compatible' });
      assert.notEqual(await c.register('s-value', v2), id1);
      const broken = schemaWith(ext4TestBroken).schema.text;
      const r = await c.checkCompatibility('s-value', broken);
      assert.equal(r.kind, 'incompatible');
      await assert.rejects(c.register('s-value', broken), (e: unknown) => isFsfaultError(e, 'REGISTRY_INCOMPATIBLE') && /s-value/.test((e as Error).message));

      const noAuth = new RegistryClient({ urls: [reg.url] });
      await assert.rejects(noAuth.register('s-value', v1), /HTTP 401/);
      const none = new RegistryClient({ urls: ['http://127.0.0.1:9'], timeoutMs: 1000 });
      await assert.rejects(none.register('x', v1), (e: unknown) => isFsfaultError(e, 'REGISTRY_UNREACHABLE') && (e as { retriable: boolean }).retriable);
    } finally {
      await reg.close();
    }
  });
});
