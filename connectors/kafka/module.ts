/** Registers the Kafka connector (`kafka` in the config). */
import { ContainerModule, TOKENS, type ConnectorFactory } from '../../core/bindings';
import type * as KafkaIndex from './index';

const factory: ConnectorFactory = {
  name: 'kafka',
  order: 2,
  // kafkajs (~150 modules) loads only when Kafka is configured: a watch without it does not carry
  // that heap (README "Memory bounds"). Synchronous because the container builds connectors so.
  fromConfig: (config) =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    config.kafka ? (require('./index') as typeof KafkaIndex).createKafkaConnector(config.kafka, config.kafka.createTopicPartitions ? { createTopicPartitions: config.kafka.createTopicPartitions } : {}) : null,
};

export const kafkaModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.ConnectorFactory).toConstantValue(factory);
});
