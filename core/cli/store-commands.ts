/**
 * What the store's CLI commands (status, events, summary, replay) need from the outside, injected so
 * their tests use a temp store and captured output: where to write, how to open a store, and the
 * configuration that supplies the default state directory and host.
 */
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { CliIo } from './io';
import { defaultConfigFile, defaultHost, DEFAULT_STATE_DIR } from '../config/config-file';
import type { LocalStore } from '../store/local-store';
import { SqliteStore } from '../store/sqlite-store';

export interface StoreCommandDeps {
  io: CliIo;
  openStore(opts: { stateDir: string; host: string; readOnly?: boolean }): LocalStore;
  /** stateDir and host defaults (the configuration file, or built-in defaults). */
  defaults(configFile: string | undefined): { stateDir: string; host: string } | Promise<{ stateDir: string; host: string }>;
  /**
   * Deliver stored events [from, end] through the configured connector; absent: only stdout replay
   * is possible. Returns how many were delivered (events the destination already holds are skipped).
   */
  replayInto?(target: 'kafka' | 'avro', store: LocalStore, from: number, end: number, configFile: string | undefined): Promise<number>;
}

export interface StoreLocationOptions {
  config?: string;
  stateDir?: string;
  host?: string;
}

/** Readers open the store read-only and without plugins: rows decode with their own stored schema. */
export function defaultStoreDeps(io: CliIo): StoreCommandDeps {
  return {
    io,
    openStore: ({ stateDir, host, readOnly }) => SqliteStore.open({ stateDir, host, readOnly: readOnly ?? true }),
    defaults: async (file) => {
      const named = file ?? defaultConfigFile(io.env);
      const host = defaultHost();
      // No configuration file: the built-in defaults, without loading YAML and the config schema
      // (start-up time; config-file.ts holds the same defaults the schema applies). An empty host
      // name goes through the schema, which refuses it as it always did.
      if (named === undefined && host) return { stateDir: DEFAULT_STATE_DIR, host };
      const { loadConfig } = await import('../config/load');
      const c = loadConfig(named, io.env);
      return { stateDir: c.stateDir, host: c.host };
    },
  };
}

export function addStoreLocationOptions(cmd: Command): Command {
  return cmd
    .option('--state-dir <dir>', 'where the local store lives (default: stateDir from the configuration, /var/lib/fsfault)')
    .option('--host <name>', "whose store to read (default: this machine's host name)")
    .option('--config <file>', 'configuration file (YAML, ${ENV} interpolated)');
}

/** Open the store the options point at read-only, run `fn`, close it (also when `fn` fails). */
export async function withStore<T>(deps: StoreCommandDeps, opts: StoreLocationOptions, fn: (store: LocalStore) => T | Promise<T>): Promise<T> {
  const d = opts.stateDir && opts.host ? { stateDir: opts.stateDir, host: opts.host } : await deps.defaults(opts.config);
  const store = deps.openStore({ stateDir: opts.stateDir ?? d.stateDir, host: opts.host ?? d.host, readOnly: true });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** Write lines, waiting when the stream is full, so printing a long history stays in bounded memory. */
export async function writeLines(out: Writable, lines: Iterable<string>): Promise<number> {
  let n = 0;
  let chunk = '';
  const flush = async () => {
    if (!chunk) return;
    const ok = out.write(chunk);
    chunk = '';
    if (!ok) await new Promise<void>((resolve) => out.once('drain', resolve));
  };
  for (const line of lines) {
    chunk += `${line}\n`;
    n++;
    if (chunk.length > 64 * 1024) await flush();
  }
  await flush();
  return n;
}
