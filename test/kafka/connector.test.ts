/**
 * The Kafka connector against a REAL broker (4.x and 3.9.x, jars from Maven Central), through the
 * Connector interface and the lead's ConnectorPump, with the test registry server. Independent
 * check: Confluent's Python AvroDeserializer (PyPI confluent-kafka) decodes the topic through a REAL
 * registry (Apicurio Registry, test/kafka/helpers/apicurio.ts), and fastavro the single-object
 * encoding. The registry double (registry-server.ts) is only used for what a real registry cannot
 * be made to do on demand: fail-over between URLs and basic auth.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { KafkaConfig } from '../../core/config/schema';
import { MemoryLog } from '../../core/store/memory-log';
import { parseAvroSchema } from '../../core/edges/avro';
import { EventCodec } from '../../core/schema/codec';
import { isFsfaultError } from '../../core/errors';
import { createKafkaConnector } from '../../connectors/kafka';
import { parseConfluent } from '../../connectors/kafka/confluent-wire';
import { parseSingleObject } from '../../connectors/kafka/single-object';
import { repoRoot } from '../helpers/paths';
import { startBroker, KAFKA_VERSIONS, SASL_USER, type BrokerHandle } from './helpers/broker';
import { startRegistry } from './registry-server';
import { startApicurio, type ApicurioHandle } from './helpers/apicurio';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { ext4Test, ext4TestBroken, xfsTest, schemaWith, mixedEvents, errorEvent } from './helpers/events';
import { readTopic, offsetCensus, randomTopic } from './helpers/topic';
import { runPump } from './helpers/pump';

const HOST = 'host-a';
const PYTHON = 'python3'; // the python3 on PATH, where .ci/pip-requirements.txt installs confluent-kafka
const PY_DECODE = path.join(repoRoot, 'test', 'kafka', 'python', 'confluent_decode.py');

function kafkaConfig(b: BrokerHandle, topic: string, extra: Record<string, unknown> = {}): KafkaConfig {
  return KafkaConfig.parse({ brokers: [b.bootstrap], topic, retry: { initialMs: 100, maxMs: 1000 }, ...extra });
}

for (const version of KAFKA_VERSIONS) {
  describe(`kafka connector on Kafka ${version}`, { timeout: 240_000 }, () => {
    let broker: BrokerHandle;
    let registry: ApicurioHandle;

    before(async () => {
      [broker, registry] = await Promise.all([startBroker({ version, tls: true, sasl: true }), startApicurio()]);
    });
    after(async () => {
      await Promise.all([registry?.stop(), broker?.stop()]);
    });

    it('publishes ERROR/LOST/DIED events with the Confluent framing; they decode through the registry, and in Python', async () => {
      const topic = randomTopic('fsf-basic');
      const { schema, codec } = schemaWith(ext4Test);
      const log = new MemoryLog(codec, { host: HOST });
      const events = mixedEvents(HOST, 120);
      log.append(events);
      const connector = createKafkaConnector(kafkaConfig(broker, topic, { registry: { urls: [registry.url] } }), { createTopicPartitions: 3 });
      const run = await runPump(connector, log, schema, codec, HOST, 25);
      try {
        await run.drain();
      } finally {
        await run.stop();
      }
      assert.equal(log.cursor(connector.name), 120);

      const msgs = await readTopic([broker.bootstrap], topic);
      const census = offsetCensus(msgs);
      assert.deepEqual(census.duplicates, []);
      assert.equal(census.seen.size, 120);
      // fsfault set the new subject's compatibility (Apicurio's own default is NONE)
      const level = (await (await fetch(`${registry.url}/config/${topic}-value`)).json()) as { compatibilityLevel: string };
      assert.equal(level.compatibilityLevel, 'BACKWARD');

      const byOffset = new Map(msgs.map((m) => [m.meta.storeOffset, m]));
      for (let off = 1; off <= 120; off++) {
        const m = byOffset.get(off)!;
        const frame = parseConfluent(m.value!);
        assert.equal(String(frame.schemaId), m.meta.schemaId?.toString());
        const writer = await (await fetch(`${registry.url}/schemas/ids/${frame.schemaId}`)).json() as { schema: string };
        const ev = new EventCodec(schema).decode(frame.body, parseAvroSchema(JSON.parse(writer.schema)));
        const want = events[off - 1]!;
        assert.equal(ev.id, want.id);
        assert.equal(m.meta.eventId, want.id);
        assert.equal(ev.kind, want.kind);
        assert.equal(ev.errno, want.errno);
        assert.equal(ev.count, want.count);
        assert.equal(ev.fs.device, want.fs.device);
        assert.equal(m.key!.toString(), `${HOST}/${want.fs.type}/${want.fs.uuid ? `uuid:${want.fs.uuid}` : '-'}`);
      }
      // one filesystem → one partition, in store order
      const partsByKey = new Map<string, Set<number>>();
      for (const m of msgs) partsByKey.set(m.key!.toString(), (partsByKey.get(m.key!.toString()) ?? new Set()).add(m.partition));
      for (const [k, ps] of partsByKey) assert.equal(ps.size, 1, `key ${k} spread over partitions ${[...ps]}`);

      // Asynchronously: the registry the decoder asks lives in this process's event loop.
      const py = await promisify(execFile)(PYTHON, [PY_DECODE, 'registry', broker.bootstrap, topic, registry.url, '120', '60'], { encoding: 'utf8', timeout: 90_000 }).catch((e: Error & { stderr?: string }) => {
        throw new Error(`python decoder failed (needs pip confluent-kafka[avro,schemaregistry], .ci/pip-requirements.txt): ${e.message}\n${e.stderr ?? ''}`);
      });
      const decoded = py.stdout.trim().split('\n').map((l) => JSON.parse(l) as { headers: Record<string, string>; value: Record<string, unknown> });
      assert.equal(decoded.length, 120);
      for (const d of decoded) {
        const want = events[Number(d.headers['fsfault.store.offset']) - 1]!;
        assert.equal(d.value.id, want.id);
        assert.equal(d.value.kind, want.kind);
        assert.equal(d.value.errno, want.errno);
        assert.equal(d.value.count, want.count);
        assert.equal((d.value.fs as { device: string | null }).device, want.fs.device);
        if (want.kind === 'DIED') assert.equal((d.value.death as { reason: string }).reason, want.death!.reason);
        if (want.kind === 'LOST') assert.deepEqual((d.value.lost as { errnos: number[] }).errnos, [5]);
      }
    });

    it('without a registry writes Avro single-object encoding (C3 01 + CRC-64-AVRO fingerprint)', async () => {
      const topic = randomTopic('fsf-single');
      const { schema, codec } = schemaWith(ext4Test);
      const log = new MemoryLog(codec, { host: HOST });
      log.append(mixedEvents(HOST, 10));
      const connector = createKafkaConnector(kafkaConfig(broker, topic, { compression: 'none' }), { createTopicPartitions: 1 });
      const run = await runPump(connector, log, schema, codec, HOST);
      try {
        await run.drain();
      } finally {
        await run.stop();
      }
      const msgs = await readTopic([broker.bootstrap], topic);
      assert.equal(msgs.length, 10);
      for (const m of msgs) {
        assert.equal(m.value![0], 0xc3);
        assert.equal(m.value![1], 0x01);
        const f = parseSingleObject(m.value!);
        assert.equal(f.fingerprint, schema.fingerprint);
        assert.equal(codec.decode(f.body).id, log.readAfter(m.meta.storeOffset - 1, 1)[0]!.event.id);
        assert.equal(m.meta.schemaId, null);
      }
      // independently: fastavro checks the CRC-64-AVRO fingerprint and decodes
      const schemaFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-schema-')), 'schema.avsc');
      fs.writeFileSync(schemaFile, schema.text);
      const py = await promisify(execFile)(PYTHON, [PY_DECODE, 'single', broker.bootstrap, topic, schemaFile, '10', '60'], { encoding: 'utf8', timeout: 90_000 });
      const decoded = py.stdout.trim().split('\n').map((l) => JSON.parse(l) as { headers: Record<string, string>; value: { id: string } });
      assert.equal(decoded.length, 10);
      for (const d of decoded) assert.equal(d.value.id, log.readAfter(Number(d.headers['fsfault.store.offset']) - 1, 1)[0]!.event.id);
      fs.rmSync(path.dirname(schemaFile), { recursive: true, force: true });
    });

    it('refuses an incompatible schema (REGISTRY_INCOMPATIBLE, nothing published); registers a compatible one as a new version', async () => {
      const topic = randomTopic('fsf-evolve');
      const v1 = schemaWith(ext4Test);
      const log1 = new MemoryLog(v1.codec, { host: HOST });
      log1.append(mixedEvents(HOST, 5));
      const c1 = createKafkaConnector(kafkaConfig(broker, topic, { registry: { urls: [registry.url] } }), { createTopicPartitions: 1 });
      const r1 = await runPump(c1, log1, v1.schema, v1.codec, HOST);
      await r1.drain();
      await r1.stop();

      // incompatible: ext4test's blob field `line` changes int → string
      const broken = schemaWith(ext4TestBroken);
      const logB = new MemoryLog(broken.codec, { host: 'host-b' });
      const cB = createKafkaConnector(kafkaConfig(broker, topic, { registry: { urls: [registry.url] } }), { createTopicPartitions: 1 });
      await assert.rejects(
        cB.open({ schema: broken.schema, codec: broken.codec, log: logB, committed: 0, host: 'host-b', warn: () => undefined }),
        (e: unknown) => {
          assert.ok(isFsfaultError(e, 'REGISTRY_INCOMPATIBLE'), String(e));
          assert.match((e as Error).message, new RegExp(`subject '${topic}-value'`));
          // Apicurio gives no reason: fsfault's own diff says what changed
          assert.match((e as Error).message, /changed: \S*Ext4TestBlob\.line: union\[null, int\] → union\[null, string\]/);
          return true;
        },
      );
      await cB.close();
      assert.equal((await readTopic([broker.bootstrap], topic)).length, 5, 'an incompatible connector published nothing');

      // compatible: a second plugin's blob branch joins the union
      const v2 = schemaWith(ext4Test, xfsTest);
      const log2 = new MemoryLog(v2.codec, { host: 'host-c' });
      log2.append([errorEvent('host-c', 1), { ...errorEvent('host-c', 2), fs: { ...errorEvent('host-c', 2).fs, type: 'xfstest' }, plugin: 'xfstest' }]);
      const c2 = createKafkaConnector(kafkaConfig(broker, topic, { registry: { urls: [registry.url] } }), { createTopicPartitions: 1 });
      const r2 = await runPump(c2, log2, v2.schema, v2.codec, 'host-c');
      await r2.drain();
      await r2.stop();
      const versions = (await (await fetch(`${registry.url}/subjects/${topic}-value/versions`)).json()) as number[];
      assert.deepEqual(versions, [1, 2]);

      // every message (old and new) decodes with the v2 reader through its writer schema id
      const msgs = await readTopic([broker.bootstrap], topic);
      assert.equal(msgs.length, 7);
      const ids = new Set<number>();
      for (const m of msgs) {
        const f = parseConfluent(m.value!);
        ids.add(f.schemaId);
        const writer = ((await (await fetch(`${registry.url}/schemas/ids/${f.schemaId}`)).json()) as { schema: string }).schema;
        const ev = v2.codec.decode(f.body, parseAvroSchema(JSON.parse(writer)));
        assert.equal(ev.id, m.meta.eventId);
      }
      assert.equal(ids.size, 2);
    });

    it('fails over between registry URLs and sends basic-auth credentials; REGISTRY_UNREACHABLE when none answers', async () => {
      const secured = await startRegistry({ basicAuth: { username: 'reg', password: 's3cret' } });
      try {
        const topic = randomTopic('fsf-failover');
        const { schema, codec } = schemaWith(ext4Test);
        const log = new MemoryLog(codec, { host: HOST });
        log.append(mixedEvents(HOST, 3));
        const dead = 'http://127.0.0.1:9'; // discard port: connection refused
        const c = createKafkaConnector(
          kafkaConfig(broker, topic, { registry: { urls: [dead, secured.url], basicAuth: { username: 'reg', password: 's3cret' } } }),
          { createTopicPartitions: 1 },
        );
        const r = await runPump(c, log, schema, codec, HOST);
        await r.drain();
        await r.stop();
        assert.equal((await readTopic([broker.bootstrap], topic)).length, 3);

        const wrong = createKafkaConnector(kafkaConfig(broker, topic, { registry: { urls: [secured.url], basicAuth: { username: 'reg', password: 'nope' } } }));
        await assert.rejects(wrong.open({ schema, codec, log, committed: 0, host: HOST, warn: () => undefined }), /HTTP 401/);
        await wrong.close();

        const none = createKafkaConnector(kafkaConfig(broker, topic, { registry: { urls: [dead, 'http://127.0.0.1:7'] }, retry: { initialMs: 10, maxMs: 20, maxRetries: 1 } }));
        await assert.rejects(none.open({ schema, codec, log, committed: 0, host: HOST, warn: () => undefined }), (e: unknown) => {
          assert.ok(isFsfaultError(e, 'REGISTRY_UNREACHABLE'), String(e));
          assert.match((e as Error).message, /127\.0\.0\.1:9.*127\.0\.0\.1:7/);
          return true;
        });
        await none.close();
      } finally {
        await secured.close();
      }
    });

    it('publishes over the TLS listener (test CA) and over SASL_SSL with SCRAM-SHA-256 and PLAIN', async () => {
      const { schema, codec } = schemaWith(ext4Test);
      const variants: [string, Record<string, unknown>][] = [
        ['tls', { brokers: [broker.tlsBootstrap], tls: { ca: broker.caPem } }],
        ['scram', { brokers: [broker.saslBootstrap], tls: { ca: broker.caPem }, sasl: { mechanism: 'scram-sha-256', ...SASL_USER } }],
        ['plain', { brokers: [broker.saslBootstrap], tls: { ca: broker.caPem }, sasl: { mechanism: 'plain', ...SASL_USER } }],
      ];
      for (const [name, extra] of variants) {
        const topic = randomTopic(`fsf-${name}`);
        const log = new MemoryLog(codec, { host: HOST });
        log.append(mixedEvents(HOST, 7));
        const c = createKafkaConnector(kafkaConfig(broker, topic, extra), { createTopicPartitions: 2 });
        const r = await runPump(c, log, schema, codec, HOST);
        try {
          await r.drain(30_000);
        } finally {
          await r.stop();
        }
        const msgs = await readTopic([broker.bootstrap], topic);
        assert.equal(offsetCensus(msgs).seen.size, 7, name);
      }
      // a wrong password is fatal, not retried forever
      const bad = createKafkaConnector(kafkaConfig(broker, randomTopic('fsf-badpw'), { brokers: [broker.saslBootstrap], tls: { ca: broker.caPem }, sasl: { mechanism: 'scram-sha-512', username: 'fsfault', password: 'wrong' } }));
      const log = new MemoryLog(codec, { host: HOST });
      await assert.rejects(bad.open({ schema, codec, log, committed: 0, host: HOST, warn: () => undefined }), (e: unknown) => {
        assert.ok(isFsfaultError(e, 'CONNECTOR_FATAL'), String(e));
        assert.match((e as Error).message, /SASL|auth/i);
        return true;
      });
      await bad.close();
    });

    it('stops with CONNECTOR_FATAL on a missing topic and on a message the broker refuses as too large', async () => {
      const { schema, codec } = schemaWith(ext4Test);
      const log = new MemoryLog(codec, { host: HOST });
      const missing = createKafkaConnector(kafkaConfig(broker, randomTopic('fsf-missing')));
      await assert.rejects(missing.open({ schema, codec, log, committed: 0, host: HOST, warn: () => undefined }), (e: unknown) => {
        assert.ok(isFsfaultError(e, 'CONNECTOR_FATAL'), String(e));
        assert.match((e as Error).message, /does not exist/);
        return true;
      });
      await missing.close();

      const topic = randomTopic('fsf-large');
      const big = { ...errorEvent(HOST, 1), path: crypto.randomBytes(1_200_000).toString('base64') }; // > 1 MiB default message.max.bytes, incompressible
      log.append([errorEvent(HOST, 0), big]);
      const c = createKafkaConnector(kafkaConfig(broker, topic, { compression: 'none' }), { createTopicPartitions: 1 });
      const r = await runPump(c, log, schema, codec, HOST, 1);
      await assert.rejects(r.drain(60_000), (e: unknown) => {
        assert.ok(isFsfaultError(e, 'CONNECTOR_FATAL'), String(e));
        assert.match((e as Error).message, /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|too large/i);
        return true;
      });
      await r.stop().catch(() => undefined);
      assert.equal(log.cursor(c.name), 1, 'the cursor stops before the refused event: nothing is skipped');
    });
  });
}
