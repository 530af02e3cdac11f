/**
 * The plugins fsfault ships, registered by default. Third-party plugins are added to the
 * container the same way (see plugins/README.md).
 */
import type { FsPlugin } from '../core/plugin-api';

export const builtinPlugins: readonly FsPlugin[] = [];
