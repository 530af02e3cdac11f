/**
 * Kafka delivery throughput, store → broker, against a real broker started by
 * test/broker/kafka-broker.sh, compared in the same run with a raw kafkajs idempotent producer
 * (through the same adapter) sending the same pre-encoded messages in the same batch sizes.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/kafka-throughput.js [EVENTS] [BATCH] [VERSION]
 *
 * Prints events/s for both, the ratio (target >= 0.7), and latency percentiles from store append
 * to broker ack (events appended at a steady rate while the pump runs).
 */
import { KafkaConfig } from '../core/config/schema';
import { MemoryLog } from '../core/store/memory-log';
import { createKafkaConnector } from '../connectors/kafka';
import { KafkaTransport, type OutMessage } from '../connectors/kafka/kafkajs-adapter';
import { frameSingleObject } from '../connectors/kafka/single-object';
import { buildHeaders } from '../connectors/kafka/headers';
import { messageKey } from '../connectors/kafka/message-key';
import { startBroker } from '../test/kafka/helpers/broker';
import { ext4Test, schemaWith, mixedEvents } from '../test/kafka/helpers/events';
import { runPump } from '../test/kafka/helpers/pump';

const EVENTS = Number(process.argv[2] ?? 50_000);
const BATCH = Number(process.argv[3] ?? 500);
const VERSION = process.argv[4] ?? '4.1.1';
const HOST = 'bench-host';
const PARTITIONS = 3;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  const broker = await startBroker({ version: VERSION });
  try {
    const { schema, codec } = schemaWith(ext4Test);

    // The first pass warms up the JIT and the broker and is not reported.
    for (const compression of ['warmup', 'none', 'gzip'] as const) {
      const codecName = compression === 'warmup' ? 'gzip' : compression;
      const n = compression === 'warmup' ? 10_000 : EVENTS;
      // --- fsfault connector through the pump, from a pre-filled store ---
      const log = new MemoryLog(codec, { host: HOST, retention: { maxAgeDays: 365, maxBytes: 4 * 1024 ** 3, policy: 'block' } });
      for (let i = 0; i < n; i += 1000) log.append(mixedEvents(HOST, Math.min(1000, n - i), i));
      const topic = `bench-conn-${compression}-${Date.now()}`;
      const connector = createKafkaConnector(KafkaConfig.parse({ brokers: [broker.bootstrap], topic, compression: codecName }), { createTopicPartitions: PARTITIONS });
      const t0 = process.hrtime.bigint();
      const run = await runPump(connector, log, schema, codec, HOST, BATCH);
      const t1 = process.hrtime.bigint();
      await run.drain(600_000);
      const t2 = process.hrtime.bigint();
      await run.stop();
      const connRate = n / (Number(t2 - t1) / 1e9);

      // --- raw kafkajs (same adapter, same framing, same batches), messages pre-encoded ---
      const raw = new KafkaTransport({ brokers: [broker.bootstrap], clientId: 'bench-raw', compression: codecName });
      const rawTopic = `bench-raw-${compression}-${Date.now()}`;
      await raw.createTopic(rawTopic, PARTITIONS);
      await raw.connect();
      const rows = log.readAfter(0, n);
      const msgs: OutMessage[] = rows.map((r) => {
        const key = messageKey(r.event);
        return {
          partition: raw.partitionFor(rawTopic, key, PARTITIONS),
          key,
          value: frameSingleObject(r.fingerprint, r.body),
          headers: buildHeaders({ eventId: r.event.id, storeId: 'bench', storeOffset: r.offset, host: HOST, fingerprint: r.fingerprint, schemaId: null }),
        };
      });
      const r0 = process.hrtime.bigint();
      for (let i = 0; i < msgs.length; i += BATCH) await raw.send(rawTopic, msgs.slice(i, i + BATCH));
      const r1 = process.hrtime.bigint();
      await raw.close();
      const rawRate = n / (Number(r1 - r0) / 1e9);
      if (compression === 'warmup') continue;
      console.log(
        `compression=${compression} events=${EVENTS} batch=${BATCH}: connector ${connRate.toFixed(0)} ev/s (open ${(Number(t1 - t0) / 1e6).toFixed(0)} ms, not counted), ` +
          `raw kafkajs ${rawRate.toFixed(0)} ev/s, ratio ${(connRate / rawRate).toFixed(2)}`,
      );
    }

    // --- latency: append at a steady rate while the pump runs; append → ack ---
    const log = new MemoryLog(codec, { host: HOST });
    const topic = `bench-lat-${Date.now()}`;
    const connector = createKafkaConnector(KafkaConfig.parse({ brokers: [broker.bootstrap], topic, compression: 'gzip' }), { createTopicPartitions: PARTITIONS });
    const run = await runPump(connector, log, schema, codec, HOST, BATCH);
    const appendedAt = new Map<number, number>();
    const lat: number[] = [];
    const RATE = 2000; // events/s
    const TOTAL = 10_000;
    const poll = setInterval(() => {
      const d = connector.stats().deliveredOffset;
      const now = performance.now();
      for (const [off, t] of appendedAt) {
        if (off > d) break;
        lat.push(now - t);
        appendedAt.delete(off);
      }
    }, 2);
    for (let i = 0; i < TOTAL; i += 20) {
      const offs = log.append(mixedEvents(HOST, 20, i));
      const now = performance.now();
      for (const o of offs) appendedAt.set(o, now);
      await new Promise((r) => setTimeout(r, (20 / RATE) * 1000));
    }
    await run.drain(120_000);
    await new Promise((r) => setTimeout(r, 20));
    clearInterval(poll);
    await run.stop();
    lat.sort((a, b) => a - b);
    console.log(
      `latency append→ack at ~${RATE} ev/s (gzip, batch<=${BATCH}, n=${lat.length}): p50 ${pct(lat, 50).toFixed(1)} ms, p90 ${pct(lat, 90).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, max ${lat[lat.length - 1]!.toFixed(1)} ms`,
    );
  } finally {
    await broker.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
