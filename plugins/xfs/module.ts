/** Registers the XFS plugin, and with it its health probe (xfsPlugin.createProbe), with fsfault's container. */
import { pluginModule } from '../../core/bindings';
import type { FsPlugin } from '../../core/plugin-api';
import { xfsPlugin } from './index';

export const xfsModule = pluginModule(xfsPlugin as unknown as FsPlugin);
