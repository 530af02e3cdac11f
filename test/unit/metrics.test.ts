import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildContainer, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import { MemoryLog } from '../../core/store/memory-log';
import type { Pipeline } from '../../core/pipeline/pipeline';
import { ReplaySource } from '../../core/sources/replay-source';
import { startMetricsServer, parseListen } from '../../core/metrics/server';
import { statusText } from '../../core/projections/status-view';
import { isFsfaultError } from '../../core/errors';
import { examplePlugin } from '../../plugins/example';
import { filesystemFamilies, MAX_FILESYSTEMS } from '../../core/metrics/filesystem-families';
import { emptyProjection, foldEvent, type FsHealth } from '../../core/projections/fs-health';
import { fixturesDir, repoRoot } from '../helpers/paths';
import { withMetricsPipeline } from '../helpers/metrics-pipeline';
import { runCli } from '../helpers/cli';

function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  assert.ok(line, `no sample ${name}${labels} in:\n${text}`);
  return Number(line.split(' ')[1]);
}

describe('metrics endpoint', () => {
  it('serves the counters of a real pipeline run; the accounting identity holds from outside', async () => {
    await withMetricsPipeline('example-basic.jsonl', [examplePlugin], async (base, pipeline) => {
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
    });
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
      pipeline.useLiveState({ sourceCounters: () => ({ kmsgRejected: rejectedThisRun, kmsgRecordsRead: 40 + rejectedThisRun, kmsgLostRecords: 7, resolveTimeouts: 2, resolveRefused: 1, probeTimeouts: 4 }) });
      await pipeline.start();
      const server = await startMetricsServer('127.0.0.1:0', () => pipeline.metrics(), () => pipeline.readiness());
      try {
        await pipeline.drain();
        return await (await fetch(`http://127.0.0.1:${server.address.port}/metrics`)).text();
      } finally {
        await server.close();
        await pipeline.stop();
      }
    };
    const text = await run(3);
    assert.equal(sample(text, 'fsfault_kmsg_rejected_records_total'), 3);
    assert.equal(sample(text, 'fsfault_kmsg_records_read_total'), 43);
    assert.equal(sample(text, 'fsfault_kmsg_lost_records_total'), 7);
    assert.equal(sample(text, 'fsfault_path_resolve_timeouts_total'), 2);
    assert.equal(sample(text, 'fsfault_path_resolve_refused_total'), 1);
    assert.equal(sample(text, 'fsfault_probe_timeouts_total'), 4);
    assert.equal(log!.sourceCursor('kmsg.rejected'), '3');
    await run(2);
    const l = log!;
    assert.equal(l.sourceCursor('kmsg.rejected'), '5', 'a second run adds to the stored total');
    assert.match(statusText(l.health(), l.info()), /kernel log: 5 records written by user processes \(facility != 0\) rejected/);
  });

  it('serves per-filesystem series, the process defaults and build info (prom-client)', async () => {
    await withMetricsPipeline('ext4-abort.jsonl', undefined, async (base, pipeline) => {
      const res = await fetch(`${base}/metrics`);
      const text = await res.text();
      // fs is the filesystem's identity (its uuid), device only a label.
      const fsl = '{fs="uuid:8e4ff473-fbfc-4028-9120-5b5902bbef03",device="loop0",type="ext4"';
      assert.equal(sample(text, 'fsfault_filesystem_state', `${fsl},state="dead"}`), 1, 'the aborted ext4 is dead');
      assert.equal(sample(text, 'fsfault_filesystem_state', `${fsl},state="healthy"}`), 0);
      assert.equal(sample(text, 'fsfault_filesystem_deaths_total', `${fsl}}`), 1);
      assert.ok(sample(text, 'fsfault_filesystem_errors_total', `${fsl},errno="ESHUTDOWN"}`) >= 1, text);
      assert.equal(sample(text, 'fsfault_filesystems'), 1);
      assert.equal(sample(text, 'fsfault_ready'), 1);
      assert.equal(sample(text, 'fsfault_connector_lag_seconds', '{connector="stdout"}'), 0);
      assert.match(text, /^fsfault_build_info\{version="\d+\.\d+\.\d+[^"]*",node="v\d+[^"]*",abi="\d+"\} 1$/m);
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'nodejs_eventloop_lag_seconds']) {
        assert.ok(sample(text, name) >= 0, name);
      }
      await pipeline.stop();
    });
  });

  it('bounds the per-filesystem series: past the cap, filesystems are summed under fs="_other"', () => {
    const p = emptyProjection();
    const map = new Map<string, FsHealth>();
    const fold = { get: (k: string) => map.get(k), set: (h: FsHealth) => void map.set(h.key, h), host: p.host };
    const n = MAX_FILESYSTEMS + 50;
    for (let i = 0; i < n; i++) {
      const fs = { type: 'ext4', device: `loop${i}`, majorMinor: null, fsid: null, uuid: null, mountPoint: null };
      foldEvent(fold, i + 1, { kind: 'ERROR', fs, count: i + 1, errno: 5, errnoName: 'EIO', subtypes: 0, firstSeen: i, lastSeen: i } as never);
    }
    const fams = filesystemFamilies({ filesystems: map, host: p.host });
    const errors = fams.find((f) => f.name === 'fsfault_filesystem_errors_total')!;
    assert.equal(errors.samples.length, MAX_FILESYSTEMS + 1);
    const other = errors.samples.find((s) => s.labels?.fs === '_other')!;
    assert.equal(other.value, (50 * 51) / 2, 'the 50 quietest filesystems summed');
    const total = errors.samples.reduce((a, s) => a + s.value, 0);
    assert.equal(total, (n * (n + 1)) / 2, 'nothing lost by the cap');
    const state = fams.find((f) => f.name === 'fsfault_filesystem_state')!;
    assert.equal(state.samples.find((s) => s.labels?.fs === '_other' && s.labels.state === 'degraded')!.value, 50);
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
