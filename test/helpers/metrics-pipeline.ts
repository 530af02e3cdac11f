/**
 * A recorded fixture replayed through the real container with the metrics server on a free port:
 * the setup the metrics, alert-rule and dashboard tests share. `body` gets the server's base URL
 * once the replay is drained; it stops the pipeline itself where it checks what stopping does.
 */
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { buildContainer, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import { MemoryLog } from '../../core/store/memory-log';
import type { Pipeline } from '../../core/pipeline/pipeline';
import type { FsPlugin } from '../../core/plugin-api';
import { ReplaySource } from '../../core/sources/replay-source';
import { createStdoutConnector } from '../../connectors/stdout/stdout-connector';
import { startMetricsServer } from '../../core/metrics/server';
import { fixturesDir } from './paths';

export async function withMetricsPipeline<T>(fixture: string, plugins: readonly FsPlugin[] | undefined, body: (base: string, pipeline: Pipeline) => Promise<T>): Promise<T> {
  const sink = new PassThrough();
  sink.resume();
  const c = buildContainer({
    config: validateConfig({ host: 't', queue: { lingerMs: 0 } }),
    ...(plugins ? { plugins } : {}),
    log: (_s, codec) => new MemoryLog(codec),
    sources: [new ReplaySource(path.join(fixturesDir, fixture))],
    connectors: [createStdoutConnector({ format: 'json', out: sink })],
    warn: () => undefined,
  });
  const pipeline = c.get<Pipeline>(TOKENS.Pipeline);
  await pipeline.start();
  const server = await startMetricsServer('127.0.0.1:0', () => pipeline.metrics(), () => pipeline.readiness());
  try {
    await pipeline.drain();
    return await body(`http://127.0.0.1:${server.address.port}`, pipeline);
  } finally {
    await server.close();
  }
}
