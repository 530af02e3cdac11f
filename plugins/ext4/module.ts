/** Registers the ext4 plugin with fsfault's container (its counter and state probes travel with the plugin). */
import { pluginModule } from '../../core/bindings';
import type { FsPlugin } from '../../core/plugin-api';
import { ext4Plugin } from './index';

export const ext4Module = pluginModule(ext4Plugin as unknown as FsPlugin);
