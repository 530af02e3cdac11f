/** The connector folders fsfault ships; each registers its connector from its own module.ts. */
import type { ContainerModule } from '../core/bindings';
import { avroFileModule } from './avro-file/module';
import { kafkaModule } from './kafka/module';
import { stdoutModule } from './stdout/module';

export const builtinConnectorModules: readonly ContainerModule[] = [stdoutModule, avroFileModule, kafkaModule];
