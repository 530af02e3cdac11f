/**
 * The plugin folders fsfault ships. Each folder registers its plugin (and probes) from its own
 * module.ts; this list only says which folders are built in. Third-party plugins are loaded by name
 * (`plugins:` in the config, `--plugin` on the command line) and need no entry anywhere.
 */
import type { ContainerModule } from '../core/bindings';
import { btrfsModule } from './btrfs/module';
import { ext4Module } from './ext4/module';
import { xfsModule } from './xfs/module';

export const builtinPluginModules: readonly ContainerModule[] = [btrfsModule, ext4Module, xfsModule];
