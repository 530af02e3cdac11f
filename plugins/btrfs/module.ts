/** Registers the btrfs plugin with fsfault's container (its counter probe travels with the plugin). */
import { ContainerModule, TOKENS } from '../../core/bindings';
import type { FsPlugin } from '../../core/plugin-api';
import { btrfsPlugin } from './index';

export const btrfsModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Plugin).toConstantValue(btrfsPlugin as unknown as FsPlugin);
});
