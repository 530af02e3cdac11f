/**
 * Loads third-party plugin modules named in the config (`plugins:`) or on the command line
 * (`--plugin`). A module exports its plugin as `plugin`, as `default`, or as the only export whose
 * value looks like a plugin; the registry then validates it like any built-in one.
 */
import * as path from 'node:path';
import { FsfaultError } from '../errors';
import type { FsPlugin } from '../plugin-api';

const looksLikePlugin = (v: unknown): v is FsPlugin =>
  !!v && typeof v === 'object' && 'meta' in v && 'classify' in v && typeof (v as FsPlugin).classify === 'function';

export function loadPluginModule(spec: string, baseDir = process.cwd()): FsPlugin {
  const target = spec.startsWith('.') || spec.startsWith('/') ? path.resolve(baseDir, spec) : spec;
  let mod: Record<string, unknown>;
  try {
    // Loading a module named at run time is the point here, so a static import cannot do it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(target) as Record<string, unknown>;
  } catch (e) {
    throw new FsfaultError('PLUGIN_INVALID', `cannot load plugin module '${spec}': ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  const candidates = [mod.plugin, mod.default, ...Object.values(mod)].filter(looksLikePlugin);
  if (candidates.length === 0) {
    throw new FsfaultError('PLUGIN_INVALID', `plugin module '${spec}' exports no plugin (export one as 'plugin' or default)`);
  }
  return candidates[0]!;
}
