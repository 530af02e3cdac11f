/**
 * The connectors a run publishes to, from the configuration: stdout, Avro container files, Kafka.
 * `watch` and `replay --to` build them the same way.
 */
import type { Writable } from 'node:stream';
import type { Config } from '../config/schema';
import type { Connector } from '../pipeline/connector';
import { createStdoutConnector } from '../../connectors/stdout/stdout-connector';
import { createAvroFileConnector } from '../../connectors/avro-file';
import { createKafkaConnector } from '../../connectors/kafka';
import { AgentPublisher, type AgentSnapshot } from '../../connectors/kafka-agents/agent-publisher';

export function connectorsFor(config: Config, out: Writable): Connector[] {
  const list: Connector[] = [];
  if (config.stdout.enabled) list.push(createStdoutConnector({ format: config.stdout.format, out }));
  if (config.avroFiles) list.push(createAvroFileConnector(config.avroFiles));
  if (config.kafka) {
    list.push(createKafkaConnector(config.kafka, config.kafka.createTopicPartitions ? { createTopicPartitions: config.kafka.createTopicPartitions } : {}));
  }
  return list;
}

/** The agent record publisher for the fleet view (only with Kafka configured and kafka.agents.enabled). */
export function agentPublisherFor(config: Config, snapshot: () => AgentSnapshot, warn: (m: string) => void): AgentPublisher | null {
  if (!config.kafka || !config.kafka.agents.enabled) return null;
  return new AgentPublisher(config.kafka, { snapshot, warn, createTopicPartitions: config.kafka.createTopicPartitions ? 1 : undefined });
}
