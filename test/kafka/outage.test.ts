/**
 * Broker outage: the broker process is stopped for 30 s in the middle of a stream of events and
 * started again on the same data. The connector keeps retrying (capped backoff), events wait in
 * the store, and afterwards every event is in the topic exactly once (by store-offset header).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaConfig } from '../../core/config/schema';
import { MemoryLog } from '../../core/store/memory-log';
import { createKafkaConnector } from '../../connectors/kafka';
import { startBroker, KAFKA_VERSIONS, type BrokerHandle } from './helpers/broker';
import { ext4Test, schemaWith, mixedEvents } from './helpers/events';
import { readTopic, offsetCensus, randomTopic } from './helpers/topic';
import { runPump } from './helpers/pump';

const HOST = 'host-outage';
const OUTAGE_MS = Number(process.env.FSFAULT_KAFKA_OUTAGE_MS ?? 30_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const version of KAFKA_VERSIONS) {
  describe(`broker outage on Kafka ${version}`, { timeout: 180_000 }, () => {
    let broker: BrokerHandle;
    before(async () => {
      broker = await startBroker({ version });
    });
    after(async () => {
      await broker?.stop();
    });

    it(`delivers every event exactly once across a ${OUTAGE_MS / 1000} s broker outage`, async () => {
      const topic = randomTopic('fsf-outage');
      const { schema, codec } = schemaWith(ext4Test);
      const log = new MemoryLog(codec, { host: HOST });
      const connector = createKafkaConnector(KafkaConfig.parse({ brokers: [broker.bootstrap], topic, retry: { initialMs: 200, maxMs: 2000 } }), { createTopicPartitions: 3 });
      const run = await runPump(connector, log, schema, codec, HOST, 50);
      let appended = 0;
      let streaming = true;
      const stream = (async () => {
        while (streaming) {
          log.append(mixedEvents(HOST, 5, appended));
          appended += 5;
          await sleep(50);
        }
      })();
      try {
        await sleep(2000);
        const before = connector.stats().deliveredOffset;
        assert.ok(before > 0, 'events flowed before the outage');
        await broker.halt();
        await sleep(OUTAGE_MS);
        const during = connector.stats();
        assert.ok(during.failures > 0 && during.retrying, `the connector is retrying: ${JSON.stringify(during)}`);
        assert.ok(during.lagEvents > 100 && during.lagSeconds > OUTAGE_MS / 2000, `lag is visible: ${JSON.stringify(during)}`);
        await broker.restart();
        await sleep(2000);
        streaming = false;
        await stream;
        await run.drain(90_000);
        const after = connector.stats();
        assert.equal(after.deliveredOffset, appended);
        assert.equal(after.lagEvents, 0);
        assert.equal(after.retrying, false);
      } finally {
        streaming = false;
        await stream;
        await run.stop();
      }
      const census = offsetCensus(await readTopic([broker.bootstrap], topic));
      assert.deepEqual(census.duplicates, [], 'no event twice');
      const missing = [];
      for (let o = 1; o <= appended; o++) if (!census.seen.has(o)) missing.push(o);
      assert.deepEqual(missing, [], 'no event missing');
      assert.equal(census.seen.size, appended);
    });
  });
}
