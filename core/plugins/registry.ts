/**
 * The plugin registry: validates plugins at registration (name, API range, claimed filesystem
 * types, blob schema) and answers "which plugin owns this filesystem type". Plugins arrive from
 * the inversify container (core/container.ts); the registry never imports a plugin itself.
 */
import { FsfaultError } from '../errors';
import { CORE_API_VERSION, type FsPlugin } from '../plugin-api';
import { blobFullName } from '../schema/compose';
import { satisfies } from '../edges/semver';

const NAME = /^[a-z][a-z0-9_]{0,31}$/;
const REQUIRED_FUNCTIONS = ['classify', 'mergeKey', 'merge', 'terminal'] as const;

export class PluginRegistry {
  private readonly byName = new Map<string, FsPlugin>();
  private readonly byFsType = new Map<string, FsPlugin>();
  private sorted: FsPlugin[] | null = null;

  constructor(plugins: readonly FsPlugin[] = []) {
    for (const p of plugins) this.register(p);
  }

  register(plugin: FsPlugin): void {
    const meta = plugin?.meta;
    const label = typeof meta?.name === 'string' ? `'${meta.name}'` : '(unnamed)';
    const invalid = (why: string) => new FsfaultError('PLUGIN_INVALID', `plugin ${label}: ${why}`, { details: { plugin: meta?.name } });
    if (!meta || typeof meta !== 'object') throw invalid('has no meta');
    if (typeof meta.name !== 'string' || !NAME.test(meta.name)) throw invalid(`name must match ${NAME} (got ${JSON.stringify(meta.name)})`);
    if (typeof meta.version !== 'string') throw invalid('meta.version must be a string');
    if (!Array.isArray(meta.fsTypes) || meta.fsTypes.length === 0 || meta.fsTypes.some((t) => typeof t !== 'string' || !t)) {
      throw invalid('meta.fsTypes must be a non-empty list of filesystem type names');
    }
    for (const fn of REQUIRED_FUNCTIONS) if (typeof plugin[fn] !== 'function') throw invalid(`${fn} must be a function`);
    let ok: boolean;
    try {
      ok = satisfies(CORE_API_VERSION, String(meta.coreApi));
    } catch (e) {
      throw invalid(`meta.coreApi: ${(e as Error).message}`);
    }
    if (!ok) {
      throw new FsfaultError('PLUGIN_API_INCOMPATIBLE', `plugin '${meta.name}' supports core API '${meta.coreApi}', but this core is ${CORE_API_VERSION}`, {
        details: { plugin: meta.name, coreApi: meta.coreApi, core: CORE_API_VERSION },
      });
    }
    if (this.byName.has(meta.name)) {
      throw new FsfaultError('PLUGIN_DUPLICATE_NAME', `two plugins are named '${meta.name}'`, { details: { plugin: meta.name } });
    }
    for (const t of meta.fsTypes) {
      const other = this.byFsType.get(t);
      if (other) {
        throw new FsfaultError('PLUGIN_DUPLICATE_FSTYPE', `plugins '${other.meta.name}' and '${meta.name}' both claim filesystem type '${t}'`, {
          details: { fsType: t, plugins: [other.meta.name, meta.name] },
        });
      }
    }
    const blobName = plugin.blobSchema ? blobFullName(plugin.blobSchema) : '';
    for (const p of this.byName.values()) {
      if (blobFullName(p.blobSchema) === blobName) throw invalid(`blob schema name '${blobName}' is already used by plugin '${p.meta.name}'`);
    }
    this.byName.set(meta.name, plugin);
    this.sorted = null;
    for (const t of meta.fsTypes) this.byFsType.set(t, plugin);
  }

  get(name: string): FsPlugin | undefined {
    return this.byName.get(name);
  }

  forFsType(fsType: string): FsPlugin | undefined {
    return this.byFsType.get(fsType);
  }

  /** Registered plugins, sorted by name (stable order for kmsg classification and schemas). */
  all(): readonly FsPlugin[] {
    // Asked for every kernel-log record: sorted once per registration, not per call.
    this.sorted ??= [...this.byName.values()].sort((a, b) => (a.meta.name < b.meta.name ? -1 : 1));
    return this.sorted;
  }

  fsTypes(): string[] {
    return [...this.byFsType.keys()].sort();
  }
}
