/** Registers the ext4 plugin with fsfault's container (its counter probe travels with the plugin). */
import { ContainerModule, TOKENS } from '../../core/bindings';
import type { FsPlugin } from '../../core/plugin-api';
import { ext4Plugin } from './index';

export const ext4Module = new ContainerModule(({ bind }) => {
  bind(TOKENS.Plugin).toConstantValue(ext4Plugin as unknown as FsPlugin);
});
