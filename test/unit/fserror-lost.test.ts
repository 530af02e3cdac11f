/**
 * Linux 7.0 fserror lost-report lines (test/fixtures/fserror-lost.jsonl, built byte-exact from the
 * format strings of fs/fserror.c; no 7.x kernel runs here) through the real pipeline: each is a
 * kernel-side loss, counted in the rescue event under `kernel-report-lost` and attributed to the
 * filesystem named by the line's device; the rate limiter's summary counts its swallowed lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildContainer, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import { MemoryLog } from '../../core/store/memory-log';
import type { Pipeline } from '../../core/pipeline/pipeline';
import type { EventQueue } from '../../core/queue/event-queue';
import { readReplayFile } from '../../core/sources/replay-source';
import { kernelLostReport } from '../../core/pipeline/kernel-lost-reports';
import { xfsPlugin } from '../../plugins/xfs';
import { fixturesDir } from '../helpers/paths';

const records = readReplayFile(path.join(fixturesDir, 'fserror-lost.jsonl'));

test('fserror lost-report lines become one LOST event: 1 + 1 + 3 suppressed, the user-written copy ignored', () => {
  const c = buildContainer({
    config: validateConfig({ host: 't', queue: { lingerMs: 0 } }),
    plugins: [xfsPlugin],
    log: (_s, codec) => new MemoryLog(codec),
    warn: () => undefined,
  });
  const pipeline = c.get<Pipeline>(TOKENS.Pipeline);
  const queue = c.get<EventQueue>(TOKENS.Queue);
  pipeline.ingest(records);
  const out = queue.take();
  assert.equal(out.filter((e) => e.kind !== 'LOST').length, 0, 'no error events: the reports themselves are gone');
  const lost = out.filter((e) => e.kind === 'LOST');
  assert.equal(lost.length, 1);
  assert.equal(lost[0]!.count, 5);
  assert.equal(lost[0]!.lost!.reasons.find((r) => r.reason === 'kernel-report-lost')?.count, 5);
  const byFs = lost[0]!.lost!.byFilesystem.find((f) => f.device === 'loop0');
  assert.equal(byFs?.count, 2, 'the two lines naming loop0 are attributed to it');
});

test('the recognizer takes exactly the fs/fserror.c formats', () => {
  const k = (text: string, facility = 0) => ({ source: 'kmsg' as const, seq: 1, facility, level: 3, tsUsec: 0, readAtUs: 0, flags: '-', text, dict: {} });
  assert.deepEqual(kernelLostReport(k('sda1: lost file I/O error report for ino 18446744073709551615 type 0 pos 0x0 len 0xffffffffffffffff error -5')), { device: 'sda1', count: 1 });
  assert.deepEqual(kernelLostReport(k('nvme0n1p2: lost filesystem error report for type 7 error -117')), { device: 'nvme0n1p2', count: 1 });
  assert.equal(kernelLostReport(k('fserror_report: 0 callbacks suppressed')), null);
  assert.equal(kernelLostReport(k('sda1: lost filesystem error report for type 7')), null);
  assert.equal(kernelLostReport(k('sda1: lost filesystem error report for type 7 error -5', 1)), null);
});
