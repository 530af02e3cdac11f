/**
 * Public entry of the Kafka connector: what the CLI wires to `fsfault watch --kafka BROKERS
 * --topic T [--registry URL]` and `fsfault replay --to kafka`.
 */
import type { KafkaConfig } from '../../core/config/schema';
import { KafkaConnector, type KafkaConnectorOptions } from './kafka-connector';

export type { KafkaConnectorOptions, KafkaConnectorStats } from './kafka-connector';
export { KafkaConnector } from './kafka-connector';

export function createKafkaConnector(config: KafkaConfig, opts: KafkaConnectorOptions = {}): KafkaConnector {
  return new KafkaConnector(config, opts);
}
