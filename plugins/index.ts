/**
 * The plugins fsfault ships, registered by default. Third-party plugins are added to the
 * container the same way (see plugins/README.md).
 */
import type { FsPlugin } from '../core/plugin-api';
import { ext4Plugin } from './ext4';
import { xfsPlugin } from './xfs';

export const builtinPlugins: readonly FsPlugin[] = [ext4Plugin as unknown as FsPlugin, xfsPlugin as unknown as FsPlugin];
