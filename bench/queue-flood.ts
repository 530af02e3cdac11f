/**
 * Error flood through the core queue: 10M events over 4 filesystems x 16 merge keys, a consumer
 * taking everything every TAKE_EVERY pushes. The figure is the ratio to a bare Map-increment loop
 * over the same events and keys (the least any merging scheme must do), plus peak RSS after 1M and
 * after all events (memory must not grow with the number of events). See bench/README.md.
 *
 * FSFAULT_BENCH_EVENTS=2000000 for a shorter run.
 */
import { spawnSync } from 'node:child_process';
import type { Blob, FsEvent, FsIdentity } from '../core/model/event';
import { fsKey } from '../core/model/fs-key';
import { EventQueue } from '../core/queue/event-queue';
import type { QueueHooks } from '../core/queue/queue-types';

const TOTAL = Number(process.env.FSFAULT_BENCH_EVENTS ?? 10_000_000);
const RSS_EARLY = 1_000_000;
const TAKE_EVERY = 256;
const FILESYSTEMS = 4;
const KEYS = 16;
const SHUTDOWN_BIT = 1 << 6;
const TARGET_RATE_RATIO = 0.25;
const TARGET_RSS_RATIO = 1.1;

interface FloodBlob extends Blob {
  fn: string;
  line: number;
  mask: number;
  firstBlock: number;
}

// One FsIdentity per mount, shared by its events, as the core takes it from the mount table.
const FS: FsIdentity[] = Array.from({ length: FILESYSTEMS }, (_, n) => ({
  type: 'ext4',
  device: `loop${n}`,
  majorMinor: `7:${n}`,
  fsid: `00000007000000${n}0`,
  uuid: `5b0f1d2e-8c1a-4e0b-9f3d-00000000000${n}`,
  mountPoint: `/srv/vol${n}`,
  mountUid: null,
}));
const FUNCS = Array.from({ length: KEYS }, (_, k) => `ext4_fn_${k}`);
// Ids come from a pool: each event still carries a distinct-looking UUID string, but the bench
// measures the queue, not crypto.randomUUID.
const IDS = Array.from({ length: 4096 }, () => crypto.randomUUID());

/** The input stream: a cheap LCG picks filesystem and key; every event is a fresh object. */
class Flood {
  private x = 12345;
  private i = 0;

  next(): FsEvent<FloodBlob> {
    this.x = (Math.imul(this.x, 1664525) + 1013904223) >>> 0;
    const x = this.x;
    const i = this.i++;
    const t = 1_732_000_000_000_000 + i;
    return {
      id: IDS[i & 4095]!,
      host: 'node-17.example',
      kind: 'ERROR',
      fs: FS[x >>> 30]!,
      errno: 117,
      errnoName: 'EUCLEAN',
      count: 1,
      firstSeen: t,
      lastSeen: t,
      sources: ['kmsg'],
      subtypes: 1,
      inode: 1000 + (i & 0xffff),
      handleType: null,
      handle: null,
      path: null,
      plugin: 'ext4',
      blob: { fn: FUNCS[(x >>> 26) & (KEYS - 1)]!, line: 1820, mask: 1 << (i & 7), firstBlock: i },
      lost: null,
      death: null,
    };
  }
}

// An ext4-like plugin: key = function and errno; merge ORs the mask and keeps the first values.
const hooks: QueueHooks = {
  mergeKey: (e) => `${(e.blob as FloodBlob).fn}:${e.errno}`,
  merge: (into, from) => {
    const a = into.blob as FloodBlob;
    a.mask |= (from.blob as FloodBlob).mask;
    return a;
  },
  terminal: (e) => (e.subtypes & SHUTDOWN_BIT ? 'shutdown' : null),
};

/**
 * Field-by-field estimate of the Avro encoded length (length-prefixed strings, varint longs, 1-byte
 * union branches): ~220 bytes here. The real sizeOf encodes with avsc; that cost is paid once per
 * admitted event and is not what this bench measures.
 */
function sizeOf(e: FsEvent): number {
  const f = e.fs;
  const b = e.blob as FloodBlob | null;
  return (
    str(e.id) + str(e.host) + 1 + str(f.type) + str(f.device) + str(f.majorMinor) + str(f.fsid) + str(f.uuid) + str(f.mountPoint) +
    2 + str(e.errnoName) + 2 + 8 + 8 + 2 + e.sources.length + 2 + 4 + 1 + str(e.handle) + str(e.path) + str(e.plugin) +
    (b ? str(b.fn) + 3 + 2 + 5 : 1) + 2
  );
}
function str(s: string | null): number {
  return s === null ? 1 : 2 + s.length;
}

const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** The queue under test and its consumer, run a chunk of pushes at a time. */
class QueueRun {
  private readonly q = new EventQueue({ budgetBytes: 64 * 1024 * 1024, perFsMaxEvents: 4096, sizeOf, hooks, host: 'node-17.example' });
  private readonly flood = new Flood();
  private pushed = 0;
  errorsTaken = 0;
  taken = 0;

  run(n: number): void {
    const q = this.q;
    for (let i = 0; i < n; i++) {
      q.push(this.flood.next());
      if (++this.pushed % TAKE_EVERY === 0) this.consume();
    }
  }

  finish(): void {
    this.consume();
    const c = this.q.counters();
    if (this.errorsTaken !== this.pushed || c.rescued !== 0 || c.pluginErrors !== 0) {
      throw new Error(`queue-flood: conservation broken: ${this.errorsTaken} errors taken of ${this.pushed}, ${c.rescued} rescued, ${c.pluginErrors} plugin errors`);
    }
  }

  private consume(): void {
    for (const e of this.q.take()) {
      this.errorsTaken += e.count;
      this.taken++;
    }
  }
}

/** The least any merging scheme does: per filesystem, count events by the plugin's key. */
class MapRun {
  private readonly perFs = new Map<string, Map<string, number>>();
  private readonly flood = new Flood();

  run(n: number): void {
    for (let i = 0; i < n; i++) {
      const e = this.flood.next();
      const fk = fsKey(e.fs);
      let m = this.perFs.get(fk);
      if (m === undefined) this.perFs.set(fk, (m = new Map()));
      const k = hooks.mergeKey(e)!;
      m.set(k, (m.get(k) ?? 0) + e.count);
    }
  }

  total(): number {
    let sum = 0;
    for (const m of this.perFs.values()) for (const n of m.values()) sum += n;
    return sum;
  }
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function main(): void {
  if (TOTAL < RSS_EARLY || TOTAL % RSS_EARLY !== 0) throw new Error(`queue-flood: FSFAULT_BENCH_EVENTS must be a multiple of ${RSS_EARLY}`);
  // Queue and baseline alternate in 1M chunks so that both see the same machine load.
  const qr = new QueueRun();
  const base = new MapRun();
  let queueSecs = 0;
  let baseSecs = 0;
  let rssEarly = 0;
  for (let done = 0; done < TOTAL; done += RSS_EARLY) {
    queueSecs += timed(() => qr.run(RSS_EARLY));
    if (done === 0) rssEarly = peakRssMiB();
    baseSecs += timed(() => base.run(RSS_EARLY));
  }
  queueSecs += timed(() => qr.finish());
  const rssEnd = peakRssMiB();
  if (base.total() !== TOTAL) throw new Error(`queue-flood: baseline counted ${base.total()} of ${TOTAL}`);

  const rate = TOTAL / queueSecs;
  const baseRate = TOTAL / baseSecs;
  const rateRatio = rate / baseRate;
  const rssRatio = rssEnd / rssEarly;
  const m = (r: number): string => `${(r / 1e6).toFixed(1)}M`;
  console.log(`events ${TOTAL}, filesystems ${FILESYSTEMS}, keys ${KEYS}, take every ${TAKE_EVERY}: ${qr.taken} events taken (${(TOTAL / qr.taken).toFixed(1)} inputs per event); node flags: ${process.execArgv.join(' ') || 'default'}`);
  console.log(
    `queue-flood: ${m(rate)} events/s, Map baseline ${m(baseRate)}/s, ratio ${rateRatio.toFixed(2)} (target >= ${TARGET_RATE_RATIO}); ` +
      `rss 1M=${rssEarly.toFixed(0)} MiB ${TOTAL / 1e6}M=${rssEnd.toFixed(0)} MiB, ratio ${rssRatio.toFixed(2)} (target <= ${TARGET_RSS_RATIO})`,
  );
  if (rateRatio < TARGET_RATE_RATIO || rssRatio > TARGET_RSS_RATIO) process.exitCode = 1;
}

/**
 * V8 grows its young generation during a long run (semi-spaces from 1 MiB up to 16 MiB, by survived
 * bytes since the last growth), so with default flags peak RSS steps up at some point whatever the
 * program keeps alive. The bench re-runs itself with the young generation fixed at that final size,
 * the one a long-running daemon reaches anyway, so that RSS growth shows the queue's memory and not
 * V8's schedule. FSFAULT_BENCH_DEFAULT_HEAP=1 runs with default flags instead.
 */
const YOUNG_GEN_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
if (process.env.FSFAULT_BENCH_DEFAULT_HEAP === '1' || YOUNG_GEN_FLAGS.every((f) => process.execArgv.includes(f))) main();
else {
  const r = spawnSync(process.execPath, [...process.execArgv, ...YOUNG_GEN_FLAGS, __filename], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}
