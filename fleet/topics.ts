/**
 * The fleet's two log-compacted topics, created by `fleet serve` when missing (operators may
 * create them beforehand with the same settings):
 *   fleet-state: as many partitions as the events topic (the state grows with the fleet);
 *   agents:      `fleet.agentsTopicPartitions` (default 1: one small record per host).
 * `cleanup.policy=compact` keeps the newest record per key forever; the other settings make the
 * cleaner run while the topics are still small, so a restore reads little more than the live set.
 */
import { classifyKafkaError, type KafkaTransport } from '../connectors/kafka/kafkajs-adapter';
import { FsfaultError } from '../core/errors';

export const COMPACTED_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'min.cleanable.dirty.ratio': '0.1',
  'segment.ms': '3600000',
};

export async function ensureCompactedTopic(t: KafkaTransport, topic: string, partitions: number, replicationFactor: number): Promise<number> {
  const have = await t.partitionCount(topic);
  if (have !== undefined) return have;
  try {
    await t.createTopic(topic, partitions, { ...COMPACTED_TOPIC_CONFIG }, replicationFactor);
  } catch (e) {
    // Another instance created it at the same moment: fine once it exists (its leaders may take a
    // moment: metadata answers "does not host this topic-partition" meanwhile).
    const now = await retrying(`topic '${topic}'`, 30_000, async () => {
      const n = await t.partitionCount(topic);
      if (n === undefined) throw new Error(`topic '${topic}' not listed yet`);
      return n;
    }).catch(() => undefined);
    if (now !== undefined) return now;
    throw new FsfaultError('FLEET_UNAVAILABLE', `cannot create topic '${topic}': ${(e as Error).message}`, { cause: e });
  }
  return partitions;
}

/**
 * Retry `f` while it fails with a retriable Kafka error (a leader being elected, a coordinator
 * loading: normal for a few seconds after topics are created or a broker restarts), for at most
 * `timeoutMs`. Fatal errors (authorization, TLS, SASL) and the last failure are thrown.
 */
export async function retrying<T>(what: string, timeoutMs: number, f: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await f();
    } catch (e) {
      if (e instanceof FsfaultError || !classifyKafkaError(e).retriable) throw e;
      if (Date.now() + delay > deadline) throw new Error(`${what}: still failing after ${timeoutMs} ms: ${(e as Error).message}`, { cause: e });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
