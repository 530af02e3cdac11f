/**
 * The fleet's agent record publisher, from the configuration. (The event connectors — stdout,
 * Avro files, Kafka — are bound by their folders and built by the composition root.)
 */
import type { Config } from '../config/schema';
import { AgentPublisher, type AgentSnapshot } from '../../connectors/kafka-agents/agent-publisher';

/** The agent record publisher for the fleet view (only with Kafka configured and kafka.agents.enabled). */
export function agentPublisherFor(config: Config, snapshot: () => AgentSnapshot, warn: (m: string) => void): AgentPublisher | null {
  if (!config.kafka || !config.kafka.agents.enabled) return null;
  return new AgentPublisher(config.kafka, { snapshot, warn, createTopicPartitions: config.kafka.createTopicPartitions ? 1 : undefined });
}
