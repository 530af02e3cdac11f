/**
 * Prints events from the store to a stream: JSON lines (the flat view documented in the README)
 * or one human line per event. Writing waits for the stream to accept the data, so a slow pipe
 * holds the cursor back instead of buffering without bound.
 */
import type { Writable } from 'node:stream';
import type { Connector } from '../../core/pipeline/connector';
import { jsonView, textView } from '../../core/model/json-view';
import type { StoredEvent } from '../../core/store/types';

export function createStdoutConnector(opts: { format: 'json' | 'text'; out?: Writable; name?: string }): Connector {
  const out = opts.out ?? process.stdout;
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      out.write(text, (err) => (err ? reject(err) : resolve()));
    });
  return {
    name: opts.name ?? 'stdout',
    async open() {},
    async deliver(batch: readonly StoredEvent[]) {
      const lines = batch.map((s) => (opts.format === 'json' ? JSON.stringify(jsonView(s.event, s.offset)) : textView(s.event)));
      await write(lines.join('\n') + '\n');
    },
    async flush() {},
    async close() {},
  };
}
