/**
 * Test-only fixture for end-to-end tests outside test/kafka (the lead's kernel test: ext4
 * trigger_fs_error → pipeline → topic): a real broker + a real registry (Apicurio), a KafkaConfig to hand
 * to the pipeline, and a reader that decodes what reached the topic through the registry.
 *
 *   const k = await kafkaFixture();            // in before()
 *   const cfg = k.config('fs-errors-e2e');     // → createKafkaConnector(cfg, { createTopicPartitions: 3 })
 *   const got = await k.read('fs-errors-e2e'); // [{ meta: { storeOffset, host, ... }, key, record }]
 *   await k.stop();                            // in after(), always
 */
import { KafkaConfig } from '../../../core/config/schema';
import { parseAvroSchema } from '../../../core/edges/avro';
import { parseConfluent } from '../../../connectors/kafka/confluent-wire';
import type { MessageHeaders } from '../../../connectors/kafka/headers';
import { startBroker, KAFKA_VERSIONS, type BrokerHandle } from './broker';
import { startApicurio, type ApicurioHandle } from './apicurio';
import { readTopic } from './topic';

export interface DecodedMessage {
  meta: MessageHeaders;
  key: string;
  partition: number;
  /** The Avro record as the writer schema decodes it (kind, fs, errno, count, blob ...). */
  record: Record<string, unknown>;
}

export interface KafkaFixture {
  broker: BrokerHandle;
  registry: ApicurioHandle;
  config(topic: string, extra?: Record<string, unknown>): KafkaConfig;
  read(topic: string): Promise<DecodedMessage[]>;
  stop(): Promise<void>;
}

export async function kafkaFixture(version = KAFKA_VERSIONS[0]!): Promise<KafkaFixture> {
  const [b, r] = await Promise.allSettled([startBroker({ version }), startApicurio()]);
  if (b.status === 'rejected' || r.status === 'rejected') {
    if (b.status === 'fulfilled') await b.value.stop();
    if (r.status === 'fulfilled') await r.value.stop();
    throw b.status === 'rejected' ? b.reason : (r as PromiseRejectedResult).reason;
  }
  const broker = b.value;
  const registry = r.value;
  return {
    broker,
    registry,
    config: (topic, extra = {}) => KafkaConfig.parse({ brokers: [broker.bootstrap], topic, registry: { urls: [registry.url] }, retry: { initialMs: 100, maxMs: 1000 }, ...extra }),
    read: async (topic) => {
      const out: DecodedMessage[] = [];
      for (const m of await readTopic([broker.bootstrap], topic)) {
        const f = parseConfluent(m.value!);
        const writer = ((await (await fetch(`${registry.url}/schemas/ids/${f.schemaId}`)).json()) as { schema: string }).schema;
        const record = parseAvroSchema(JSON.parse(writer)).fromBuffer(f.body) as Record<string, unknown>;
        out.push({ meta: m.meta, key: m.key?.toString() ?? '', partition: m.partition, record });
      }
      return out.sort((a, b) => a.meta.storeOffset - b.meta.storeOffset);
    },
    stop: async () => {
      await Promise.all([registry.stop(), broker.stop()]);
    },
  };
}
