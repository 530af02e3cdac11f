/**
 * The fleet's agent record publisher, from the configuration. (The event connectors — stdout,
 * Avro files, Kafka — are bound by their folders and built by the composition root.)
 */
import type { Config } from '../config/schema';
import type { AgentPublisher, AgentSnapshot } from '../../connectors/kafka-agents/agent-publisher';

/** The agent record publisher for the fleet view (only with Kafka configured and kafka.agents.enabled). */
export async function agentPublisherFor(config: Config, snapshot: () => AgentSnapshot, warn: (m: string) => void): Promise<AgentPublisher | null> {
  if (!config.kafka || !config.kafka.agents.enabled) return null;
  // kafkajs loads only when Kafka is configured (a run without it keeps that heap: README "Memory bounds").
  const { AgentPublisher } = await import('../../connectors/kafka-agents/agent-publisher');
  return new AgentPublisher(config.kafka, { snapshot, warn, createTopicPartitions: config.kafka.createTopicPartitions ? 1 : undefined });
}
