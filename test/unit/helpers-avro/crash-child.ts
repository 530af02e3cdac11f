/**
 * Child process for the Avro crash test: `fill <stateDir> <n>` appends n events to a real SQLite
 * store; `run <stateDir> <avroDir>` pumps the store into the Avro connector, committing the cursor
 * after each delivery, and prints one line per batch so the parent can SIGKILL it mid-file.
 */
import { AvroFilesConfig } from '../../../core/config/schema';
import { EventCodec } from '../../../core/schema/codec';
import { SqliteStore } from '../../../core/store/sqlite-store';
import { createAvroFileConnector } from '../../../connectors/avro-file/connector';
import { ev, testSchema } from './fixtures';

const HOST = 'crash-host';

async function main(): Promise<void> {
  const [mode, stateDir, arg] = process.argv.slice(2);
  const codec = new EventCodec(testSchema());
  const store = SqliteStore.open({ stateDir: stateDir!, host: HOST, codec, durability: 'full' });
  if (mode === 'fill') {
    const n = Number(arg);
    for (let i = 0; i < n; i += 100) store.append(Array.from({ length: Math.min(100, n - i) }, (_, k) => ev({ host: HOST, count: i + k + 1, type: k % 2 ? 'xfs' : 'ext4' })));
    store.close();
    return;
  }
  const config = AvroFilesConfig.parse({ dir: arg, codec: process.env.CODEC ?? 'snappy', blockEvents: 16, rotate: { maxBytes: 16 * 1024, maxAgeSec: 3600 } });
  const c = createAvroFileConnector(config);
  const opened = await c.open({ schema: codec.schema, codec, log: store, committed: store.cursor(c.name), host: HOST, warn: (m) => process.stderr.write(`${m}\n`) });
  let read = Math.max(store.cursor(c.name), typeof opened === 'number' ? opened : 0);
  for (;;) {
    const batch = store.readAfter(read, 7);
    if (batch.length === 0) break;
    read = batch[batch.length - 1]!.offset;
    const d = await c.deliver(batch);
    if (typeof d === 'number') store.commit(c.name, d);
    process.stdout.write(`read ${read} durable ${String(d)}\n`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const f = await c.flush();
  if (typeof f === 'number') store.commit(c.name, f);
  await c.close();
  store.close();
  process.stdout.write('done\n');
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
