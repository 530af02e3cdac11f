import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildContainer, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import { MemoryLog } from '../../core/store/memory-log';
import type { Pipeline } from '../../core/pipeline/pipeline';
import { ReplaySource } from '../../core/sources/replay-source';
import { createStdoutConnector } from '../../connectors/stdout/stdout-connector';
import { startMetricsServer, parseListen } from '../../core/metrics/server';
import { exposition } from '../../core/metrics/exposition';
import { statusText } from '../../core/projections/status-view';
import { isFsfaultError } from '../../core/errors';
import { examplePlugin } from '../../plugins/example';
import { fixturesDir, repoRoot } from '../helpers/paths';
import { runCli } from '../helpers/cli';
import { PassThrough } from 'node:stream';

function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  assert.ok(line, `no sample ${name}${labels} in:\n${text}`);
  return Number(line.split(' ')[1]);
}

describe('metrics endpoint', () => {
  it('serves the counters of a real pipeline run; the accounting identity holds from outside', async () => {
    const sink = new PassThrough();
    sink.resume();
    const c = buildContainer({
      config: validateConfig({ host: 't', queue: { lingerMs: 0 } }),
      plugins: [examplePlugin],
      log: (_s, codec) => new MemoryLog(codec),
      sources: [new ReplaySource(path.join(fixturesDir, 'example-basic.jsonl'))],
      connectors: [createStdoutConnector({ format: 'json', out: sink })],
      warn: () => undefined,
    });
    const pipeline = c.get<Pipeline>(TOKENS.Pipeline);
    await pipeline.start();
    const server = await startMetricsServer('127.0.0.1:0', () => pipeline.metrics(), () => pipeline.ready());
    try {
      await pipeline.drain();
      const base = `http://127.0.0.1:${server.address.port}`;
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const paths = ['emitted', 'merged', 'rescued', 'suppressed', 'died'].map((p) => sample(text, 'fsfault_input_events_total', `{path="${p}"}`));
      assert.equal(paths.reduce((a, b) => a + b, 0), 7, 'seven classified events, each on one path');
      assert.equal(sample(text, 'fsfault_input_events_total', '{path="died"}'), 1);
      assert.equal(sample(text, 'fsfault_upstream_lost_total'), 12);
      assert.equal(sample(text, 'fsfault_connector_lag_events', '{connector="stdout"}'), 0);
      assert.equal(sample(text, 'fsfault_connector_up', '{connector="stdout"}'), 1);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      await pipeline.stop();
      assert.equal((await fetch(`${base}/readyz`)).status, 503, 'not ready once stopping');
    } finally {
      await server.close();
    }
  });

  it('exposes the live source counters (kmsg rejected, lookup timeouts); the rejected total is kept in the store across runs and shown by status', async () => {
    let log: MemoryLog | null = null;
    const run = async (rejectedThisRun: number) => {
      const c = buildContainer({
        config: validateConfig({ host: 't', queue: { lingerMs: 0 } }),
        plugins: [examplePlugin],
        log: (_s, codec) => (log ??= new MemoryLog(codec)),
        sources: [new ReplaySource(path.join(fixturesDir, 'example-basic.jsonl'))],
        connectors: [],
        warn: () => undefined,
      });
      const pipeline = c.get<Pipeline>(TOKENS.Pipeline);
      pipeline.useLiveState({ sourceCounters: () => ({ kmsgRejected: rejectedThisRun, resolveTimeouts: 2, resolveRefused: 1, probeTimeouts: 4 }) });
      await pipeline.start();
      await pipeline.drain();
      const text = exposition(pipeline.metrics());
      await pipeline.stop();
      return text;
    };
    const text = await run(3);
    assert.equal(sample(text, 'fsfault_kmsg_rejected_records_total'), 3);
    assert.equal(sample(text, 'fsfault_path_resolve_timeouts_total'), 2);
    assert.equal(sample(text, 'fsfault_path_resolve_refused_total'), 1);
    assert.equal(sample(text, 'fsfault_probe_timeouts_total'), 4);
    assert.equal(log!.sourceCursor('kmsg.rejected'), '3');
    await run(2);
    const l = log!;
    assert.equal(l.sourceCursor('kmsg.rejected'), '5', 'a second run adds to the stored total');
    assert.match(statusText(l.health(), l.info()), /kernel log: 5 records written by user processes \(facility != 0\) rejected/);
  });

  it('refuses a bad address with a clear error', () => {
    assert.deepEqual(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListen('[::1]:9'), { host: '::1', port: 9 });
    assert.throws(() => parseListen('localhost'), (e: unknown) => isFsfaultError(e, 'CLI_BAD_ARGUMENT'));
    const r = runCli(['watch', '--replay', path.join(repoRoot, 'examples', 'ext4-trigger.jsonl'), '--once', '--no-store', '--metrics', 'nope:99999']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /metrics address 'nope:99999' is not HOST:PORT/);
  });
});
