/**
 * The services that vary, and the tokens they are bound under. Every folder that provides one
 * (a plugin, a probe, a connector, a source) registers it from its own `module.ts` as an inversify
 * ContainerModule; the composition root (container.ts) loads the modules and multi-injects the
 * lists. Adding a plugin, probe or connector is a binding in its folder, never an edit to a list
 * in core/. This file and container.ts are the only core modules that import inversify.
 */
import { ContainerModule, type ContainerModuleLoadOptions } from 'inversify';
import type { Writable } from 'node:stream';
import type { Config } from './config/schema';
import type { Connector } from './pipeline/connector';
import type { FsPlugin } from './plugin-api';
import type { Source } from './pipeline/source';
import type { FsProbe } from './sources/probe';

export { ContainerModule };

/**
 * Bind a plugin and, when it makes one, its probe (created once, on first use). Every plugin
 * folder's module.ts, the modules of `--plugin` packages and explicit plugin lists go through
 * here, so a plugin's probe travels with the plugin and core names none.
 */
export function bindPlugin(bind: ContainerModuleLoadOptions['bind'], plugin: FsPlugin): void {
  bind(TOKENS.Plugin).toConstantValue(plugin);
  const make = plugin.createProbe;
  if (make) bind(TOKENS.Probe).toDynamicValue(() => make.call(plugin)).inSingletonScope();
}

/** A ContainerModule for one plugin (see bindPlugin). */
export function pluginModule(plugin: FsPlugin): ContainerModule {
  return new ContainerModule(({ bind }) => bindPlugin(bind, plugin));
}

export const TOKENS = {
  Config: Symbol.for('fsfault.Config'),
  /** FsPlugin, multi-bound: one binding per plugin. */
  Plugin: Symbol.for('fsfault.Plugin'),
  /** FsProbe, multi-bound: per-filesystem-type state readers the live source polls. */
  Probe: Symbol.for('fsfault.Probe'),
  /** ConnectorFactory, multi-bound: every connector fsfault can publish to. */
  ConnectorFactory: Symbol.for('fsfault.ConnectorFactory'),
  /** SourceFactory, multi-bound: where raw records come from (replay file, live kernel). */
  SourceFactory: Symbol.for('fsfault.SourceFactory'),
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

/** How a connector is made from the configuration; bound by each connector's folder. */
export interface ConnectorFactory {
  /** `stdout`, `avro`, `kafka`: what `replay --to NAME` names. */
  readonly name: string;
  /** Help order among connectors (smaller first); stdout prints before files are written. */
  readonly order: number;
  /** The connector this config asks for, or null when the config does not enable it. */
  fromConfig(config: Config, io: { out: Writable }): Connector | null;
}

/** What a command asks of the sources: a replay file, or (none given) the live kernel. */
export interface SourceRequest {
  replay?: string;
}

/** How a source is made; bound by core/sources/module.ts (and by any folder adding a source). */
export interface SourceFactory {
  readonly name: string;
  /** The source this request asks for, or null when it is another factory's job. */
  create(req: SourceRequest, deps: SourceDeps): Source | null;
}

export interface SourceDeps {
  config: Config;
  plugins: readonly FsPlugin[];
  probes: readonly FsProbe[];
  warn(message: string): void;
}
