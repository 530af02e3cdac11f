/**
 * Test-only: run a connector the way the pipeline does, through the lead's ConnectorPump over an
 * EventLog, and wait until everything appended is committed.
 */
import { ConnectorPump } from '../../../core/pipeline/connector-pump';
import type { Connector } from '../../../core/pipeline/connector';
import type { EventLog } from '../../../core/store/types';
import type { ComposedSchema } from '../../../core/schema/compose';
import type { EventCodec } from '../../../core/schema/codec';

export interface PumpRun {
  pump: ConnectorPump;
  warnings: string[];
  /** Resolves when the cursor reached the log's head (rejects if the connector stopped). */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function runPump(connector: Connector, log: EventLog, schema: ComposedSchema, codec: EventCodec, host: string, batchSize = 100): Promise<PumpRun> {
  const warnings: string[] = [];
  const pump = new ConnectorPump(
    connector,
    log,
    { schema, codec, host, warn: (m) => warnings.push(m) },
    { batchSize, retry: { initialMs: 100, maxMs: 1000, maxRetries: -1 } },
  );
  await pump.start();
  // start() returns at once (the connector opens in the background); these tests want it open.
  await pump.whenOpen();
  return {
    pump,
    warnings,
    drain: async (timeoutMs = 60_000) => {
      let timer: NodeJS.Timeout | undefined;
      const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`pump not caught up after ${timeoutMs} ms: ${JSON.stringify(pump.stats)}`)), timeoutMs)));
      try {
        await Promise.race([pump.caughtUp(log.headOffset()), t]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async () => {
      // The pump waits for a running deliver() before it closes the connector, and deliver() retries
      // forever while the broker is down: close the connector too, which cuts its backoff short.
      const stopping = pump.stop();
      await connector.close();
      await stopping;
    },
  };
}
