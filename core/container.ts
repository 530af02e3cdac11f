/**
 * Composition root: one inversify container wires plugins, schema, queue, store, sources,
 * connectors and the pipeline from the config. Tests build the same container with a replay source
 * and an in-memory log. This is the only module that imports inversify; plugins never see it.
 */
import 'reflect-metadata';
import { Container } from 'inversify';
import type { Config } from './config/schema';
import type { FsPlugin } from './plugin-api';
import { PluginRegistry } from './plugins/registry';
import { composeSchema, type ComposedSchema } from './schema/compose';
import { EventCodec } from './schema/codec';
import { EventQueue } from './queue/event-queue';
import type { QueueHooks } from './queue/queue-types';
import type { FsEvent } from './model/event';
import { MountTable } from './pipeline/mount-table';
import { Classifier } from './pipeline/classifier';
import { ConnectorPump } from './pipeline/connector-pump';
import type { Connector } from './pipeline/connector';
import { Pipeline } from './pipeline/pipeline';
import type { Source } from './pipeline/source';
import type { EventLog } from './store/types';
import type { SourceName } from './model/event';

export const TOKENS = {
  Config: Symbol.for('fsfault.Config'),
  Plugin: Symbol.for('fsfault.Plugin'),
  PluginRegistry: Symbol.for('fsfault.PluginRegistry'),
  Schema: Symbol.for('fsfault.Schema'),
  Codec: Symbol.for('fsfault.Codec'),
  MountTable: Symbol.for('fsfault.MountTable'),
  Classifier: Symbol.for('fsfault.Classifier'),
  Queue: Symbol.for('fsfault.Queue'),
  EventLog: Symbol.for('fsfault.EventLog'),
  Source: Symbol.for('fsfault.Source'),
  Connector: Symbol.for('fsfault.Connector'),
  Pipeline: Symbol.for('fsfault.Pipeline'),
  Warn: Symbol.for('fsfault.Warn'),
} as const;

export interface ContainerParts {
  config: Config;
  plugins: readonly FsPlugin[];
  /** Built lazily, after the schema exists (connectors need it). */
  log: (schema: ComposedSchema, codec: EventCodec) => EventLog;
  sources?: readonly Source[];
  connectors?: readonly Connector[];
  stampSource?: SourceName;
  warn?: (message: string) => void;
  onMount?: (action: 'mounted' | 'unmounted' | 'remounted', device: string) => void;
}

/** The queue's plugin callbacks: each event goes to the plugin named by `event.plugin`. */
export function queueHooks(registry: PluginRegistry): QueueHooks {
  const plugin = (e: FsEvent) => (e.plugin === null ? undefined : registry.get(e.plugin));
  return {
    mergeKey: (e) => plugin(e)?.mergeKey(e) ?? null,
    // A throwing merge is counted by the queue, which then keeps the event unmerged.
    merge: (into, from) => {
      const p = plugin(into);
      if (!p || into.blob === null || from.blob === null) return into.blob ?? from.blob ?? {};
      return p.merge(into.blob, from.blob);
    },
    terminal: (e) => plugin(e)?.terminal(e) ?? null,
  };
}

/** The container with every part bound; nothing is constructed until asked for. */
export function buildContainer(parts: ContainerParts): Container {
  const c = new Container();
  const warn = parts.warn ?? ((m: string) => process.stderr.write(`fsfault: ${m}\n`));
  c.bind(TOKENS.Config).toConstantValue(parts.config);
  c.bind(TOKENS.Warn).toConstantValue(warn);
  for (const p of parts.plugins) c.bind(TOKENS.Plugin).toConstantValue(p);
  c.bind(TOKENS.PluginRegistry)
    .toDynamicValue((ctx) => new PluginRegistry(ctx.getAll<FsPlugin>(TOKENS.Plugin)))
    .inSingletonScope();
  c.bind(TOKENS.Schema)
    .toDynamicValue((ctx) => composeSchema(ctx.get<PluginRegistry>(TOKENS.PluginRegistry).all()))
    .inSingletonScope();
  c.bind(TOKENS.Codec)
    .toDynamicValue((ctx) => new EventCodec(ctx.get<ComposedSchema>(TOKENS.Schema)))
    .inSingletonScope();
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
  for (const s of parts.sources ?? []) c.bind(TOKENS.Source).toConstantValue(s);
  for (const k of parts.connectors ?? []) c.bind(TOKENS.Connector).toConstantValue(k);
  c.bind(TOKENS.Pipeline)
    .toDynamicValue((ctx) => {
      const log = ctx.get<EventLog>(TOKENS.EventLog);
      const schema = ctx.get<ComposedSchema>(TOKENS.Schema);
      const codec = ctx.get<EventCodec>(TOKENS.Codec);
      const connectors = parts.connectors ?? [];
      const pumps = connectors.map(
        (k) =>
          new ConnectorPump(k, log, { schema, codec, host: parts.config.host, warn }, {
            batchSize: k.batching?.maxEvents ?? 500,
            lingerMs: k.batching?.lingerMs ?? 0,
            retry: parts.config.kafka?.retry ?? { initialMs: 300, maxMs: 30_000, maxRetries: -1 },
          }),
      );
      return new Pipeline(parts.sources ?? [], ctx.get(TOKENS.Classifier), ctx.get(TOKENS.MountTable), ctx.get(TOKENS.Queue), log, pumps, {
        lingerMs: parts.config.queue.lingerMs,
        stampSource: parts.stampSource,
        warn,
        onMount: parts.onMount,
      });
    })
    .inSingletonScope();
  return c;
}
