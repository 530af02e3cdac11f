/**
 * The fleet's two log-compacted topics, created by `fleet serve` when missing (operators may
 * create them beforehand with the same settings):
 *   fleet-state: as many partitions as the events topic (the state grows with the fleet);
 *   agents:      `fleet.agentsTopicPartitions` (default 1: one small record per host).
 * `cleanup.policy=compact` keeps the newest record per key forever; the other settings make the
 * cleaner run while the topics are still small, so a restore reads little more than the live set.
 */
import type { KafkaTransport } from '../connectors/kafka/kafkajs-adapter';
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
    // Another instance created it at the same moment: fine if it exists now.
    const now = await t.partitionCount(topic);
    if (now !== undefined) return now;
    throw new FsfaultError('FLEET_UNAVAILABLE', `cannot create topic '${topic}': ${(e as Error).message}`, { cause: e });
  }
  return partitions;
}
