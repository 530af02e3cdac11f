/**
 * Kernel-log error flood through the real path: replay lines → parse → classify (the shipped ext4
 * and XFS plugins) → core queue (charged with the real codec's size) → SQLite store (the default
 * durability), wired by the same container `watch` uses. Against a baseline in the same process
 * that generates, reads and parses the same lines and counts each record's merge key in a Map (the
 * least any pipeline must do). The two alternate in 1M-line chunks so both see the same machine
 * load; the figures after the first 1M and after all lines are printed, with peak RSS at both.
 * See bench/README.md. FSFAULT_BENCH_LINES=2000000 for a shorter run (a multiple of 1M).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildContainer, TOKENS } from '../core/container';
import { applyHeapPolicy } from '../core/heap-policy';
import { validateConfig } from '../core/config/load';
import type { FsPlugin } from '../core/plugin-api';
import type { Pipeline } from '../core/pipeline/pipeline';
import type { EventQueue } from '../core/queue/event-queue';
import { parseReplayLine } from '../core/sources/replay-line';
import { SqliteStore } from '../core/store/sqlite-store';
import { ext4Plugin } from '../plugins/ext4';
import { xfsPlugin } from '../plugins/xfs';
import { EXT4_FS, INODES, Lines, mountLines, XFS_FS } from './flood-lines';

const TOTAL = Number(process.env.FSFAULT_BENCH_LINES ?? 10_000_000);
const CHUNK = 1_000_000;
/** Records per ingest call, as the native reader hands them over; the consumer runs between batches. */
const BATCH = 256;
const TARGET_RATE_RATIO = 0.5;
const TARGET_RSS_RATIO = 1.1;
const TARGET_RSS_MIB = 150;

/** What the heap ran with (printed with the figures). */
let heapFlags = '';

const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** The least work: read and parse the same lines, count each record's (filesystem, key) in a Map. */
class MapRun {
  private readonly counts = new Map<string, number>();
  private readonly lines = new Lines();

  run(n: number): void {
    for (let i = 0; i < n; i++) {
      const r = parseReplayLine(this.lines.next(), 'bench');
      if (r.source !== 'kmsg') continue;
      // `EXT4-fs error (device loopN): fn:line: inode #I:` / `XFS (loopN): … block 0xB`: device + key.
      const t = r.text;
      const open = t.indexOf('(');
      const k = t.slice(open, t.indexOf(')', open)) + t.slice(t.lastIndexOf(' ', t.length - 2));
      this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    }
  }

  total(): number {
    let s = 0;
    for (const n of this.counts.values()) s += n;
    return s;
  }
}

/** The real path, built by the container exactly as `watch` builds it (no sources, no connectors). */
class PipelineRun {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-bench-flood-'));
  private readonly lines = new Lines();
  private readonly pipeline: Pipeline;
  private readonly queue: EventQueue;
  private store!: SqliteStore;

  constructor() {
    const config = validateConfig({ host: 'bench', stateDir: this.dir });
    const c = buildContainer({
      config,
      plugins: [ext4Plugin as unknown as FsPlugin, xfsPlugin as unknown as FsPlugin],
      log: (_schema, codec) => (this.store = SqliteStore.open({ stateDir: this.dir, host: 'bench', codec, durability: config.store.durability, retention: config.store.retention })),
      warn: (m) => process.stderr.write(`pipeline-flood: ${m}\n`),
    });
    this.pipeline = c.get<Pipeline>(TOKENS.Pipeline);
    this.queue = c.get<EventQueue>(TOKENS.Queue);
  }

  async start(): Promise<void> {
    await this.pipeline.start();
    this.pipeline.ingest(mountLines().map((l) => parseReplayLine(l, 'bench')));
  }

  async run(n: number): Promise<void> {
    for (let done = 0; done < n; done += BATCH) {
      const m = Math.min(BATCH, n - done);
      const batch = new Array(m);
      for (let i = 0; i < m; i++) batch[i] = parseReplayLine(this.lines.next(), 'bench');
      this.pipeline.ingest(batch);
      await new Promise((r) => setImmediate(r));
    }
    await this.pipeline.drain();
  }

  /** Stop, then check conservation in the store: every line's error is in a stored event. */
  async finish(lines: number): Promise<{ stored: number; errors: number }> {
    await this.pipeline.stop();
    const q = this.queue.counters();
    let errors = 0;
    let stored = 0;
    let lost = 0;
    // The store's scan, as `fsfault events` / `export` / `report` read a store: the RSS figure at 10M
    // includes reading every stored event back, which must not grow memory with the rows read.
    for (const s of this.store.scan()) {
      stored++;
      if (s.event.kind === 'LOST') lost += s.event.count;
      else errors += s.event.count;
    }
    this.store.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (errors !== lines || lost !== 0 || q.rescued !== 0) {
      throw new Error(`pipeline-flood: conservation broken: ${errors} errors stored of ${lines} lines, ${lost} lost, ${q.rescued} rescued`);
    }
    return { stored, errors };
  }
}

async function timed(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main(): Promise<void> {
  if (TOTAL < CHUNK || TOTAL % CHUNK !== 0) throw new Error(`pipeline-flood: FSFAULT_BENCH_LINES must be a multiple of ${CHUNK}`);
  const base = new MapRun();
  const real = new PipelineRun();
  await real.start();
  let realSecs = 0;
  let baseSecs = 0;
  let early = { real: 0, base: 0, rss: 0 };
  for (let done = 0; done < TOTAL; done += CHUNK) {
    realSecs += await timed(() => real.run(CHUNK));
    baseSecs += await timed(() => base.run(CHUNK));
    if (done === 0) early = { real: CHUNK / realSecs, base: CHUNK / baseSecs, rss: peakRssMiB() };
  }
  const rssLines = peakRssMiB();
  const { stored } = await real.finish(TOTAL);
  const rssEnd = peakRssMiB();
  if (base.total() !== TOTAL) throw new Error(`pipeline-flood: baseline counted ${base.total()} of ${TOTAL}`);

  const rate = TOTAL / realSecs;
  const baseRate = TOTAL / baseSecs;
  const k = (r: number): string => `${(r / 1e3).toFixed(0)}k`;
  console.log(`lines ${TOTAL} (${EXT4_FS} ext4 + ${XFS_FS} XFS filesystems, ${INODES} keys each): ${stored} events stored (${(TOTAL / stored).toFixed(0)} lines per event); heap: ${heapFlags}`);
  console.log(`pipeline-flood 1M: ${k(early.real)} lines/s, parse+Map baseline ${k(early.base)}/s, ratio ${(early.real / early.base).toFixed(2)}; peak rss ${early.rss.toFixed(0)} MiB`);
  console.log(
    `pipeline-flood ${TOTAL / 1e6}M: ${k(rate)} lines/s, parse+Map baseline ${k(baseRate)}/s, ratio ${(rate / baseRate).toFixed(2)} (target >= ${TARGET_RATE_RATIO}); ` +
      `peak rss ${rssEnd.toFixed(0)} MiB, ${(rssEnd / early.rss).toFixed(2)} x the 1M figure (target <= ${TARGET_RSS_RATIO}, <= ${TARGET_RSS_MIB} MiB)`,
  );
  console.log(`pipeline-flood peak rss before the conservation check (reading every stored event back): ${rssLines.toFixed(0)} MiB, ${(rssLines / early.rss).toFixed(2)} x the 1M figure`);
  if (rate / baseRate < TARGET_RATE_RATIO || rssEnd / early.rss > TARGET_RSS_RATIO || rssEnd > TARGET_RSS_MIB) process.exitCode = 1;
}

/**
 * Heap: the product's (core/heap-policy.ts, which bin/fsfault.js applies to every run), so the RSS
 * figures are what `fsfault watch` would show. FSFAULT_BENCH_HEAP=v8 runs with V8's defaults, and
 * FSFAULT_BENCH_HEAP=young16 with the fixed 16 MiB semi-spaces this bench used before the policy
 * existed (its earlier figures), for comparison in the same session.
 */
const HEAP = process.env.FSFAULT_BENCH_HEAP ?? (process.env.FSFAULT_BENCH_DEFAULT_HEAP === '1' ? 'v8' : 'policy');
const YOUNG_GEN_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
if (HEAP === 'young16' && !YOUNG_GEN_FLAGS.every((f) => process.execArgv.includes(f))) {
  const r = spawnSync(process.execPath, [...process.execArgv, ...YOUNG_GEN_FLAGS, __filename], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  heapFlags = HEAP === 'policy' ? applyHeapPolicy({}).join(' ') : HEAP === 'v8' ? 'V8 defaults' : process.execArgv.join(' ');
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
