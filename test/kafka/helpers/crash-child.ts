/**
 * Test-only child process for crash.test.ts: runs the Kafka connector through the ConnectorPump
 * over a file-backed SQLite store until it caught up, printing `open` once started and `done` at
 * the end. The parent SIGKILLs it at random moments in between.
 *
 * usage: node crash-child.js STATE_DIR HOST BOOTSTRAP TOPIC BATCH
 */
import { SqliteStore } from '../../../core/store/sqlite-store';
import { ConnectorPump } from '../../../core/pipeline/connector-pump';
import { KafkaConfig } from '../../../core/config/schema';
import { createKafkaConnector } from '../../../connectors/kafka';
import { ext4Test, schemaWith } from './events';

async function main() {
  const [stateDir, host, bootstrap, topic, batch] = process.argv.slice(2) as [string, string, string, string, string];
  const { schema, codec } = schemaWith(ext4Test);
  const store = SqliteStore.open({ stateDir, host, codec, durability: 'full' });
  const connector = createKafkaConnector(KafkaConfig.parse({ brokers: [bootstrap], topic, retry: { initialMs: 100, maxMs: 1000 } }), { createTopicPartitions: 3 });
  const pump = new ConnectorPump(connector, store, { schema, codec, host, warn: (m) => process.stderr.write(`${m}\n`) }, {
    batchSize: Number(batch),
    retry: { initialMs: 100, maxMs: 1000, maxRetries: -1 },
  });
  await pump.start();
  process.stdout.write(`open ${store.cursor(connector.name)}\n`);
  await pump.caughtUp(store.headOffset());
  process.stdout.write(`done ${JSON.stringify(connector.stats())}\n`);
  await pump.stop();
  store.close();
}

main().catch((e: Error) => {
  process.stderr.write(`crash-child: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
