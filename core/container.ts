/**
 * Composition root: one inversify container wires plugins, probes, schema, queue, store, sources,
 * connectors and the pipeline from the config. What varies (plugins, probes, connectors, sources)
 * is registered by each folder's own ContainerModule (core/bindings.ts) and multi-injected here.
 * Every command resolves its plugin set, schema and connectors through this file, so `schema`,
 * `validate`, `export`, `replay`, `doctor`, `report` and `watch` see the same plugins and the same
 * fingerprint. Tests build the same container with a replay source and an in-memory log. Plugins
 * never see inversify.
 */
import 'reflect-metadata';
import { Container } from 'inversify';
import type { Writable } from 'node:stream';
import type { Config } from './config/schema';
import type { FsPlugin } from './plugin-api';
import { PluginRegistry } from './plugins/registry';
import { composeSchema, type ComposedSchema } from './schema/compose';
import { EventCodec } from './schema/codec';
import { EventQueue } from './queue/event-queue';
import { queueHooks } from './plugins/queue-hooks';
import { MountTable } from './pipeline/mount-table';
import { Classifier } from './pipeline/classifier';
import { ConnectorPump } from './pipeline/connector-pump';
import { DEFAULT_RETRY } from './pipeline/retry';
import type { Connector } from './pipeline/connector';
import { Pipeline } from './pipeline/pipeline';
import type { Source } from './pipeline/source';
import type { FsProbe } from './sources/probe';
import type { EventLog } from './store/types';
import type { SourceName } from './model/event';
import { bindPlugin, pluginModule, type ContainerModule, TOKENS, type ConnectorFactory, type SourceFactory, type SourceRequest } from './bindings';
import { sourcesModule } from './sources/module';
import { loadPluginModule } from './plugins/load-plugins';
import { FsfaultError } from './errors';
import { builtinPluginModules } from '../plugins';
import { builtinConnectorModules } from '../connectors/modules';

export { TOKENS };
export { queueHooks };

export interface ContainerParts {
  config: Config;
  /**
   * An explicit plugin list (tests, the conformance kit). Without it the built-in plugin folders'
   * modules and the modules named in `config.plugins` are loaded: the set every command uses.
   */
  plugins?: readonly FsPlugin[];
  /** Built lazily, after the schema exists (connectors need it). */
  log: (schema: ComposedSchema, codec: EventCodec) => EventLog;
  /** Explicit sources; without them `request` picks them from the bound source factories. */
  sources?: readonly Source[];
  request?: SourceRequest;
  /** Explicit connectors; without them, with `out`, every connector the config enables. */
  connectors?: readonly Connector[];
  out?: Writable;
  stampSource?: SourceName;
  warn?: (message: string) => void;
  /** Debug diagnostics (e.g. the Kafka client library's own log); absent: dropped. */
  debug?: (message: string) => void;
  onMount?: (action: 'mounted' | 'unmounted' | 'remounted', device: string) => void;
  /** A connector stopped with a non-retriable error (watch decides whether the agent exits). */
  onConnectorFatal?: (name: string, error: Error) => void;
}

/** A third-party plugin module (`plugins:` / `--plugin`) as a ContainerModule like the built-in ones. */
function thirdPartyModule(spec: string): ContainerModule {
  return pluginModule(loadPluginModule(spec));
}

/** The modules that make up the plugin set of a config: built-in folders, then `config.plugins`. */
export function pluginModules(config: Pick<Config, 'plugins'>): ContainerModule[] {
  return [...builtinPluginModules, ...config.plugins.map(thirdPartyModule)];
}

/**
 * The container every command starts from: config, plugins (validated by the registry), probes,
 * connector factories, schema and codec. The schema binding here is the one `watch` encodes with.
 */
export function baseContainer(config: Config, opts: { plugins?: readonly FsPlugin[]; warn?: (message: string) => void } = {}): Container {
  const c = new Container();
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`fsfault: ${m}\n`));
  c.bind(TOKENS.Config).toConstantValue(config);
  c.bind(TOKENS.Warn).toConstantValue(warn);
  if (opts.plugins) for (const p of opts.plugins) bindPlugin(c.bind.bind(c), p);
  else c.loadSync(...pluginModules(config));
  c.loadSync(...builtinConnectorModules, sourcesModule);
  c.bind(TOKENS.PluginRegistry)
    .toDynamicValue((ctx) => new PluginRegistry(ctx.getAll<FsPlugin>(TOKENS.Plugin, { optional: true })))
    .inSingletonScope();
  c.bind(TOKENS.Schema)
    .toDynamicValue((ctx) => composeSchema(ctx.get<PluginRegistry>(TOKENS.PluginRegistry).all()))
    .inSingletonScope();
  c.bind(TOKENS.Codec)
    .toDynamicValue((ctx) => new EventCodec(ctx.get<ComposedSchema>(TOKENS.Schema)))
    .inSingletonScope();
  return c;
}

/** The plugin set of a config, validated and sorted by name (what every command runs with). */
export function resolvePlugins(config: Config): readonly FsPlugin[] {
  return baseContainer(config).get<PluginRegistry>(TOKENS.PluginRegistry).all();
}

/** The composed event schema of a config's plugin set: the same one `watch` writes with. */
export function schemaFor(config: Config): ComposedSchema {
  return baseContainer(config).get<ComposedSchema>(TOKENS.Schema);
}

/** The probes bound for the plugin set (the live source polls those of each mount's type). */
export function probesOf(c: Container): FsProbe[] {
  return c.getAll<FsProbe>(TOKENS.Probe, { optional: true });
}

/** The sources a command asks for (a replay file, else the live kernel), from the bound factories. */
export function sourcesFor(c: Container, req: SourceRequest): Source[] {
  const deps = {
    config: c.get<Config>(TOKENS.Config),
    plugins: c.get<PluginRegistry>(TOKENS.PluginRegistry).all(),
    probes: probesOf(c),
    warn: c.get<(m: string) => void>(TOKENS.Warn),
  };
  return c.getAll<SourceFactory>(TOKENS.SourceFactory).flatMap((f) => f.create(req, deps) ?? []);
}

function factories(c: Container): ConnectorFactory[] {
  return [...c.getAll<ConnectorFactory>(TOKENS.ConnectorFactory, { optional: true })].sort((a, b) => a.order - b.order);
}

/** Every connector the config enables (stdout, Avro files, Kafka ...), in their folders' order. */
export function connectorsFor(config: Config, out: Writable, c: Container = baseContainer(config)): Connector[] {
  return factories(c).flatMap((f) => f.fromConfig(config, { out }) ?? []);
}

/** The one connector named `name` (`replay --to NAME`); CLI_BAD_ARGUMENT when the config lacks its section. */
export function connectorNamed(name: string, config: Config, out: Writable, c: Container = baseContainer(config)): Connector {
  const f = factories(c).find((x) => x.name === name);
  if (!f) throw new FsfaultError('CLI_BAD_ARGUMENT', `no connector named '${name}' (known: ${factories(c).map((x) => x.name).join(', ')})`);
  const k = f.fromConfig(config, { out });
  if (!k) throw new FsfaultError('CLI_BAD_ARGUMENT', `the config does not set up the ${name} connector (--config FILE)`);
  return k;
}

/** The container with every part bound; nothing is constructed until asked for. */
export function buildContainer(parts: ContainerParts): Container {
  const warn = parts.warn ?? ((m: string) => process.stderr.write(`fsfault: ${m}\n`));
  const c = baseContainer(parts.config, { plugins: parts.plugins, warn });
  const sources = parts.sources ?? (parts.request ? sourcesFor(c, parts.request) : []);
  const connectors = parts.connectors ?? (parts.out ? connectorsFor(parts.config, parts.out, c) : []);
  c.bind(TOKENS.MountTable).toConstantValue(new MountTable());
  c.bind(TOKENS.Classifier)
    .toDynamicValue(
      (ctx) => new Classifier(ctx.get(TOKENS.PluginRegistry), ctx.get(TOKENS.MountTable), parts.config.host, undefined, (e) => warn(`[${e.code}] ${e.message}`)),
    )
    .inSingletonScope();
  c.bind(TOKENS.Queue)
    .toDynamicValue((ctx) => {
      const codec = ctx.get<EventCodec>(TOKENS.Codec);
      return new EventQueue({
        budgetBytes: parts.config.queue.budgetBytes,
        perFsMaxEvents: parts.config.queue.maxPerFilesystem,
        host: parts.config.host,
        encode: (e) => codec.encode(e),
        hooks: queueHooks(ctx.get<PluginRegistry>(TOKENS.PluginRegistry)),
      });
    })
    .inSingletonScope();
  c.bind(TOKENS.EventLog)
    .toDynamicValue((ctx) => parts.log(ctx.get(TOKENS.Schema), ctx.get(TOKENS.Codec)))
    .inSingletonScope();
  for (const s of sources) c.bind(TOKENS.Source).toConstantValue(s);
  for (const k of connectors) c.bind(TOKENS.Connector).toConstantValue(k);
  c.bind(TOKENS.Pipeline)
    .toDynamicValue((ctx) => {
      const log = ctx.get<EventLog>(TOKENS.EventLog);
      const schema = ctx.get<ComposedSchema>(TOKENS.Schema);
      const codec = ctx.get<EventCodec>(TOKENS.Codec);
      const pumps = connectors.map(
        (k) =>
          new ConnectorPump(k, log, { schema, codec, host: parts.config.host, warn, ...(parts.debug ? { debug: parts.debug } : {}) }, {
            batchSize: k.batching?.maxEvents ?? 500,
            lingerMs: k.batching?.lingerMs ?? 0,
            retry: k.retry ?? DEFAULT_RETRY,
            onFatal: parts.onConnectorFatal,
          }),
      );
      return new Pipeline([...sources], ctx.get(TOKENS.Classifier), ctx.get(TOKENS.MountTable), ctx.get(TOKENS.Queue), log, pumps, {
        lingerMs: parts.config.queue.lingerMs,
        settleMs: parts.config.queue.settleMs,
        stampSource: parts.stampSource,
        warn,
        onMount: parts.onMount,
      });
    })
    .inSingletonScope();
  return c;
}
