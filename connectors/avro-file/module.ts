/** Registers the Avro container-file connector (`avroFiles` in the config). */
import { ContainerModule, TOKENS, type ConnectorFactory } from '../../core/bindings';
import { createAvroFileConnector } from './connector';

const factory: ConnectorFactory = {
  name: 'avro',
  order: 1,
  fromConfig: (config) => (config.avroFiles ? createAvroFileConnector(config.avroFiles) : null),
};

export const avroFileModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.ConnectorFactory).toConstantValue(factory);
});
