/** Registers the btrfs plugin with fsfault's container (its counter probe and its dev-stats probe travel with the plugin). */
import { pluginModule } from '../../core/bindings';
import type { FsPlugin } from '../../core/plugin-api';
import { btrfsPlugin } from './index';

export const btrfsModule = pluginModule(btrfsPlugin as unknown as FsPlugin);
