/**
 * Chooses the event log for a run: the SQLite store under the state directory (the default), or
 * an in-memory log when the store is disabled.
 */
import type { Config } from '../config/schema';
import type { ComposedSchema } from '../schema/compose';
import type { EventCodec } from '../schema/codec';
import type { LocalStore } from '../store/local-store';
import { SqliteStore } from '../store/sqlite-store';
import { MemoryLog } from '../store/memory-log';

export function openEventLog(config: Config, _schema: ComposedSchema, codec: EventCodec): LocalStore {
  if (!config.store.enabled) return new MemoryLog(codec, { host: config.host });
  return SqliteStore.open({
    stateDir: config.stateDir,
    host: config.host,
    codec,
    durability: config.store.durability,
    retention: config.store.retention,
  });
}
