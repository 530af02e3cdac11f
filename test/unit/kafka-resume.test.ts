/**
 * The Kafka connector's resume/dedupe/identity logic and the pump's retry ownership, against the
 * in-memory FakeTransport (a test double: the same paths run against a real broker in test/kafka/).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaConfig } from '../../core/config/schema';
import { MemoryLog } from '../../core/store/memory-log';
import { ConnectorPump } from '../../core/pipeline/connector-pump';
import { parseHeaders } from '../../connectors/kafka/headers';
import { createKafkaConnector } from '../../connectors/kafka';
import { ext4Test, schemaWith, errorEvent } from '../kafka/helpers/events';
import { FakeTopic, FakeTransport } from './helpers-kafka/fake-transport';

const HOST = 'same-host';
const { schema, codec } = schemaWith(ext4Test);

function events(n: number, start = 0) {
  // three filesystems → spread over the partitions
  return Array.from({ length: n }, (_, i) => errorEvent(HOST, start + i, `loop${(start + i) % 3}`));
}

async function publish(log: MemoryLog, t: FakeTransport, retry = { initialMs: 1, maxMs: 2, maxRetries: -1 }) {
  const config = KafkaConfig.parse({ brokers: ['fake:9092'], topic: t.topic.name, retry, batch: { maxEvents: 4, lingerMs: 0 } });
  const connector = createKafkaConnector(config, { transport: () => t });
  const info: string[] = [];
  const pump = new ConnectorPump(connector, log, { schema, codec, host: HOST, warn: (m) => info.push(m) }, { batchSize: 4, retry: connector.retry, info: (m) => info.push(m) });
  await pump.start();
  await pump.caughtUp(log.headOffset());
  await pump.stop();
  return { pump, connector, info };
}

const offsetsOf = (topic: FakeTopic, storeId: string) =>
  topic
    .all()
    .map((m) => parseHeaders(m.headers)!)
    .filter((h) => h.storeId === storeId)
    .map((h) => h.storeOffset)
    .sort((a, b) => a - b);

describe('kafka connector resume (fake transport)', () => {
  it('a new store under a host name already in the topic publishes everything (issue 12 reproduction)', async () => {
    const topic = new FakeTopic('T', 3);
    const a = new MemoryLog(codec, { host: HOST });
    a.append(events(6));
    await publish(a, new FakeTransport(topic));
    a.append(events(2, 6));
    await publish(a, new FakeTransport(topic));
    // store B: same host name, offsets start at 1 again
    const b = new MemoryLog(codec, { host: HOST });
    b.append(events(3, 100));
    const run = await publish(b, new FakeTransport(topic));
    assert.deepEqual(offsetsOf(topic, b.storeId()), [1, 2, 3], "B's events are all in the topic");
    assert.equal(run.pump.stats.skippedAlreadyArrived, 0);
    assert.equal(b.cursor(run.connector.name), 3);
    assert.deepEqual(offsetsOf(topic, a.storeId()), [1, 2, 3, 4, 5, 6, 7, 8]);
    for (const m of topic.all()) assert.equal(parseHeaders(m.headers)!.host, HOST);
  });

  it('after a crash (cursor behind the topic) skips what arrived, counts it and says so', async () => {
    const topic = new FakeTopic('T', 3);
    const log = new MemoryLog(codec, { host: HOST });
    log.append(events(9));
    await publish(log, new FakeTransport(topic));
    // the crash: the cursor commit was lost
    const fresh = new MemoryLog(codec, { host: HOST, storeId: log.storeId() });
    fresh.append(events(10));
    const run = await publish(fresh, new FakeTransport(topic));
    assert.deepEqual(offsetsOf(topic, log.storeId()), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'nothing twice, the tenth sent');
    assert.equal(run.pump.stats.skippedAlreadyArrived, 9);
    assert.ok(run.info.some((m) => /skipped 9 event\(s\) already at the destination/.test(m)), run.info.join('\n'));
  });

  it('an ambiguous send (written, then failed) is retried once by the pump and not duplicated; every retry counts', async () => {
    const topic = new FakeTopic('T', 2);
    const t = new FakeTransport(topic);
    t.failSends = 2;
    t.ambiguousSends = 1;
    const log = new MemoryLog(codec, { host: HOST });
    log.append(events(10));
    const run = await publish(log, t);
    assert.deepEqual(offsetsOf(topic, log.storeId()), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(run.pump.stats.retries, 3, 'two failed sends + one ambiguous one, each retried once by the pump');
    assert.equal(run.connector.stats().failures, 3);
    assert.ok(run.pump.stats.skippedAlreadyArrived > 0, 'the ambiguous batch was found in the topic');
  });

  it('a broker down at start is retried in the background (kafkajs gives up with retriable: false; the pump does not)', async () => {
    const topic = new FakeTopic('T', 2);
    const t = new FakeTransport(topic);
    t.down = true;
    const log = new MemoryLog(codec, { host: HOST });
    log.append(events(5));
    const config = KafkaConfig.parse({ brokers: ['fake:9092'], topic: 'T', retry: { initialMs: 5, maxMs: 5 } });
    const connector = createKafkaConnector(config, { transport: () => t });
    const pump = new ConnectorPump(connector, log, { schema, codec, host: HOST, warn: () => undefined }, { batchSize: 4, retry: connector.retry });
    await pump.start(); // returns at once: nothing waits for the broker
    assert.equal(pump.stats.state, 'opening');
    await new Promise((r) => setTimeout(r, 40));
    assert.ok(pump.stats.retries >= 2 && !pump.ready, JSON.stringify(pump.stats));
    assert.match(pump.stats.lastError ?? '', /ECONNREFUSED/);
    t.down = false;
    await pump.caughtUp(5);
    await pump.stop();
    assert.deepEqual(offsetsOf(topic, log.storeId()), [1, 2, 3, 4, 5]);
    assert.equal(pump.error, null);
  });

  it('gives up after retry.maxRetries with the code of the last error', async () => {
    const topic = new FakeTopic('T', 1);
    const t = new FakeTransport(topic);
    t.down = true;
    const log = new MemoryLog(codec, { host: HOST });
    log.append(events(1));
    const config = KafkaConfig.parse({ brokers: ['fake:9092'], topic: 'T', retry: { initialMs: 1, maxMs: 1, maxRetries: 3 } });
    const connector = createKafkaConnector(config, { transport: () => t });
    const pump = new ConnectorPump(connector, log, { schema, codec, host: HOST, warn: () => undefined }, { batchSize: 4, retry: connector.retry });
    await pump.start();
    await assert.rejects(pump.caughtUp(1), /gave up open after 3 retries/);
    assert.equal(pump.stats.retries, 3);
    assert.equal(pump.stats.state, 'stopped');
    await pump.stop();
  });

  it('a store restored from a backup (same identity, older head) takes a new identity and loses nothing', async () => {
    const topic = new FakeTopic('T', 3);
    const original = new MemoryLog(codec, { host: HOST });
    original.append(events(3));
    await publish(original, new FakeTransport(topic));
    // the backup is taken here: head 3, cursor 1 (say)
    const id = original.storeId();
    original.append(events(4, 3));
    await publish(original, new FakeTransport(topic)); // offsets 4..7 published
    // restore: the same identity, head 3; then a new error is recorded at offset 4 (again)
    const restored = new MemoryLog(codec, { host: HOST, storeId: id });
    restored.append(events(3));
    restored.commit('kafka:T', 1);
    restored.append(events(1, 50));
    const run = await publish(restored, new FakeTransport(topic));
    assert.notEqual(restored.storeId(), id, 'new identity');
    assert.deepEqual(offsetsOf(topic, id), [1, 2, 3, 4, 5, 6, 7], 'the old identity is untouched');
    assert.deepEqual(offsetsOf(topic, restored.storeId()), [2, 3, 4], 'everything after the cursor, the new event included, is published under the new identity');
    assert.equal(run.pump.stats.skippedAlreadyArrived, 0);
    assert.ok(run.info.some((m) => /restored from an older copy/.test(m)), run.info.join('\n'));
  });
});
