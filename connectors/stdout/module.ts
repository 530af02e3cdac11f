/** Registers the stdout connector (`stdout.enabled`, text or JSON lines). */
import { ContainerModule, TOKENS, type ConnectorFactory } from '../../core/bindings';
import { createStdoutConnector } from './stdout-connector';

const factory: ConnectorFactory = {
  name: 'stdout',
  order: 0,
  fromConfig: (config, io) => (config.stdout.enabled ? createStdoutConnector({ format: config.stdout.format, out: io.out }) : null),
};

export const stdoutModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.ConnectorFactory).toConstantValue(factory);
});
