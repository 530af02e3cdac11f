/**
 * The worker thread of state-writer.ts: one Kafka producer (the same adapter as everywhere) that
 * sends the packed state writes it is handed, one at a time in order, and answers each with its
 * outcome. A thread of `fleet serve`, never run on its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { classifyKafkaError, KafkaTransport } from '../connectors/kafka/kafkajs-adapter';
import { unpackMessages, type WriteRequest, type WriterReply, type WriterTransportOptions } from './state-writer';

const port = parentPort!;
const post = (m: WriterReply) => port.postMessage(m);
const transport = new KafkaTransport({ ...(workerData as WriterTransportOptions), warn: (warn) => post({ warn }) });

// One write at a time, in the order received: the member never has two in flight anyway, and a
// partition's records must reach the broker in the order they were folded.
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: WriteRequest | { close: true }) => {
  if ('close' in m) {
    queue = queue.then(async () => {
      await transport.close().catch(() => undefined);
      process.exit(0); // ends this thread only
    });
    return;
  }
  queue = queue.then(async () => {
    try {
      await transport.send(m.topic, unpackMessages(Buffer.from(m.packed), m.headers), m.compression);
      post({ id: m.id });
    } catch (e) {
      // A failed send leaves kafkajs' idempotent producer in an unknown sequence state: the next
      // write gets a fresh producer (as the connector does after a failure).
      await transport.dropProducer().catch(() => undefined);
      const verdict = classifyKafkaError(e);
      post({ id: m.id, error: verdict.retriable ? (e as Error).message : verdict.reason, retriable: verdict.retriable });
    }
  });
});
