/** Registers the Kafka connector (`kafka` in the config). */
import { ContainerModule, TOKENS, type ConnectorFactory } from '../../core/bindings';
import { createKafkaConnector } from './index';

const factory: ConnectorFactory = {
  name: 'kafka',
  order: 2,
  fromConfig: (config) =>
    config.kafka ? createKafkaConnector(config.kafka, config.kafka.createTopicPartitions ? { createTopicPartitions: config.kafka.createTopicPartitions } : {}) : null,
};

export const kafkaModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.ConnectorFactory).toConstantValue(factory);
});
