/**
 * `fsfault replay --to kafka|avro`: re-deliver stored history through the connector the config
 * names, the way `watch` would — same schema, same framing, same files. What the destination
 * already holds (Kafka: this host's store offsets at the partitions' tails; Avro files: offsets in
 * finished files) is skipped, so a replay fills gaps and never duplicates. No cursor moves. It holds
 * the store's writer lock while it runs: a watch on the same store would publish the same offsets.
 */
import { loadConfig } from '../config/load';
import { FsfaultError } from '../errors';
import type { Connector } from '../pipeline/connector';
import { baseContainer, connectorNamed, TOKENS } from '../container';
import type { ComposedSchema } from '../schema/compose';
import { EventCodec } from '../schema/codec';
import type { LocalStore } from '../store/local-store';
import { replayEvents } from '../store/replay';
import { acquireStoreLock } from '../store/store-lock';
import type { StoredEvent } from '../store/types';
import { warnTo, type CliIo } from './io';

export function replayInto(io: CliIo) {
  return async (target: 'kafka' | 'avro', store: LocalStore, from: number, end: number, configFile: string | undefined): Promise<number> => {
    const config = loadConfig(configFile, io.env);
    if (target === 'kafka' && !config.kafka) throw new FsfaultError('CLI_BAD_ARGUMENT', 'replay --to kafka needs a kafka section in the config (--config FILE)');
    if (target === 'avro' && !config.avroFiles) throw new FsfaultError('CLI_BAD_ARGUMENT', 'replay --to avro needs an avroFiles section in the config (--config FILE)');
    // Connector and schema from the composition root: the ones watch publishes with.
    const c = baseContainer(config, { warn: warnTo(io) });
    const connector: Connector = connectorNamed(target, config, io.out, c);
    const schema = c.get<ComposedSchema>(TOKENS.Schema);
    // The destination's position is this store's offsets: a watch publishing from the same store
    // would race this replay for the same offsets, so replay --to takes the writer lock (and holds
    // it until done) or refuses with STORE_LOCKED.
    const file = store.info().file;
    const lock = file ? acquireStoreLock(file, `replay --to ${target} from`) : null;
    try {
      return await deliverRange(connector, schema, store, from, end, config.host, io);
    } finally {
      lock?.release();
    }
  };
}

async function deliverRange(connector: Connector, schema: ComposedSchema, store: LocalStore, from: number, end: number, host: string, io: CliIo): Promise<number> {
  const warn = warnTo(io);
  const held = await connector.open({ schema, codec: new EventCodec(schema), log: store, committed: 0, host, warn });
  const skipTo = typeof held === 'number' ? held : 0;
  let delivered = 0;
  try {
    let batch: StoredEvent[] = [];
    const max = connector.batching?.maxEvents ?? 500;
    for (const s of replayEvents(store, Math.max(from, skipTo + 1), end)) {
      batch.push(s);
      if (batch.length >= max) {
        await connector.deliver(batch);
        delivered += batch.length;
        batch = [];
      }
    }
    if (batch.length) {
      await connector.deliver(batch);
      delivered += batch.length;
    }
    await connector.flush();
  } finally {
    await connector.close();
  }
  if (skipTo >= from) warn(`${connector.name} already held offsets up to ${skipTo}; replayed from ${Math.max(from, skipTo + 1)}`);
  return delivered;
}
