import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildContainer, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import { MemoryLog } from '../../core/store/memory-log';
import type { Pipeline } from '../../core/pipeline/pipeline';
import type { EventQueue } from '../../core/queue/event-queue';
import { readReplayFile } from '../../core/sources/replay-source';
import { examplePlugin } from '../../plugins/example';
import type { FsPlugin } from '../../core/plugin-api';
import type { FsEvent } from '../../core/model/event';
import { fixturesDir } from '../helpers/paths';

const records = readReplayFile(path.join(fixturesDir, 'example-basic.jsonl'));

function build(plugin: FsPlugin) {
  const warnings: string[] = [];
  const c = buildContainer({
    config: validateConfig({ host: 't', queue: { lingerMs: 0 } }),
    plugins: [plugin],
    log: (_s, codec) => new MemoryLog(codec),
    warn: (m) => warnings.push(m),
  });
  return { pipeline: c.get<Pipeline>(TOKENS.Pipeline), queue: c.get<EventQueue>(TOKENS.Queue), warnings };
}

describe('pipeline', () => {
  it('accounts for every error of a replay: merged, died, suppressed, lost upstream', () => {
    const { pipeline, queue } = build(examplePlugin);
    pipeline.ingest(records);
    const out = queue.take();
    const sum = (k: FsEvent['kind']) => out.filter((e) => e.kind === k).reduce((n, e) => n + e.count, 0);
    assert.equal(sum('ERROR') + sum('DIED'), 7, 'seven EXAMPLEFS errors in the file');
    assert.equal(sum('LOST'), 12, 'the kmsg overrun of 12 records');
    const c = queue.counters();
    assert.equal(c.pushed, c.emittedNew + c.merged + c.rescued + c.suppressed + c.died);
  });

  it('a plugin whose classify throws is reported once as PLUGIN_FAILED and its records are counted as lost', () => {
    const broken: FsPlugin = { ...examplePlugin, classify: (r) => (r.source === 'kmsg' && r.text.startsWith('EXAMPLEFS') ? (() => { throw new Error('boom'); })() : null) };
    const { pipeline, queue, warnings } = build(broken);
    pipeline.ingest(records);
    const lost = queue.take().filter((e) => e.kind === 'LOST');
    assert.equal(lost.length, 1);
    assert.deepEqual(lost[0]!.lost!.reasons.find((r) => r.reason === 'plugin-failed')?.count, 7);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^\[PLUGIN_FAILED\] plugin example: classify threw .*boom/);
  });
});
