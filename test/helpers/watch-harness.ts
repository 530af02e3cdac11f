/**
 * Runs the real pipeline on the live kernel for kernel tests: the container `watch` builds, with
 * the LiveSource (and any FsProbes), an in-memory log or the SQLite store, and a connector that
 * captures what would be published. Tests wait for events with a deadline; a timeout fails with
 * what did arrive.
 */
import * as fs from 'node:fs';
import { buildContainer, resolvePlugins, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import type { Config } from '../../core/config/schema';
import type { FsEvent } from '../../core/model/event';
import type { CounterReconciler } from '../../core/pipeline/counter-reconciler';
import type { Connector } from '../../core/pipeline/connector';
import type { Pipeline } from '../../core/pipeline/pipeline';
import type { EventQueue } from '../../core/queue/event-queue';
import { LiveSource } from '../../core/sources/live-source';
import type { LiveNative } from '../../core/sources/live-native';
import { wireLiveSource } from '../../core/cli/live-wiring';
import type { FsProbe } from '../../core/sources/probe';
import type { LocalStore } from '../../core/store/local-store';
import { MemoryLog } from '../../core/store/memory-log';
import { SqliteStore } from '../../core/store/sqlite-store';
import type { EventLog } from '../../core/store/types';

export interface WatchHarnessOptions {
  /** Only these mount points (other tests on the machine mount filesystems too). */
  mountPoints?: string[];
  /** Extra config (validated like a config file): sources, queue ... */
  config?: Record<string, unknown>;
  probes?: FsProbe[];
  /** SQLite store in this directory; default an in-memory log. */
  stateDir?: string;
  settleMs?: number;
  /** Handle lookup / probe timeout of the live source (sources.lookupTimeoutMs). */
  lookupTimeoutMs?: number;
  /** The kernel as the live source sees it (default the native addon); tests pass test doubles. */
  native?: LiveNative;
}

/** A connector that keeps every delivered event (what stdout/Kafka would publish). */
class CapturingConnector implements Connector {
  readonly name = 'capture';
  readonly events: FsEvent[] = [];
  async open(): Promise<void> {}
  async deliver(batch: readonly { event: FsEvent }[]): Promise<void> {
    for (const s of batch) this.events.push(s.event);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export class WatchHarness {
  private stopped = false;

  private constructor(
    /** Warnings the pipeline and the source printed (stderr in `watch`). */
    readonly warnings: string[],
    readonly config: Config,
    readonly source: LiveSource,
    readonly pipeline: Pipeline,
    readonly log: EventLog & { close(): void },
    readonly queue: EventQueue,
    readonly counters: CounterReconciler,
    private readonly capture: CapturingConnector,
  ) {}

  static async start(opts: WatchHarnessOptions = {}): Promise<WatchHarness> {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const raw: Record<string, unknown> = { host: 'kernel-test', queue: { lingerMs: 50 }, ...opts.config };
    const sources = { counters: { intervalMs: 60_000 }, health: { intervalMs: 60_000 }, ...(raw.sources as object | undefined) } as Record<string, unknown>;
    if (opts.mountPoints) sources.mountPoints = opts.mountPoints;
    raw.sources = sources;
    if (opts.stateDir) raw.stateDir = opts.stateDir;
    const config = validateConfig(raw, 'watch-harness');
    const source = new LiveSource({ sources: config.sources, plugins: resolvePlugins(config), probes: opts.probes, warn, settleMs: opts.settleMs, lookupTimeoutMs: opts.lookupTimeoutMs, native: opts.native });
    const capture = new CapturingConnector();
    const container = buildContainer({
      config,
      log: (_schema, codec): LocalStore =>
        opts.stateDir ? SqliteStore.open({ stateDir: opts.stateDir, host: config.host, codec, durability: 'normal' }) : new MemoryLog(codec, { host: config.host }),
      sources: [source],
      connectors: [capture],
      warn,
    });
    const { pipeline, log, counters } = wireLiveSource(container, source, { warn });
    const h = new WatchHarness(warnings, config, source, pipeline, log as EventLog & { close(): void }, container.get<EventQueue>(TOKENS.Queue), counters, capture);
    await pipeline.start();
    return h;
  }

  /** Every published event so far. */
  get events(): readonly FsEvent[] {
    return this.capture.events;
  }

  /** Published events of one device (plus LOST events that name it). */
  eventsOf(device: string): FsEvent[] {
    return this.capture.events.filter((e) => e.fs.device === device || e.lost?.byFilesystem.some((b) => b.device === device));
  }

  /** Wait until `pred` holds on the published events; a timeout throws with what arrived. */
  async waitFor(what: string, pred: (events: readonly FsEvent[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.capture.events)) {
      if (Date.now() > deadline) {
        const tail = this.capture.events.slice(-8).map((e) => `${e.kind} ${e.fs.device} errno=${e.errno} count=${e.count} ${JSON.stringify(e.lost ?? e.blob)}`);
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.capture.events.length} events published, last:\n  ${tail.join('\n  ')}\nwarnings: ${this.warnings.join(' | ')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stop the source, flush queue and connector, close the store (idempotent). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.pipeline.stop();
    } finally {
      this.log.close();
    }
  }
}

/**
 * Set a kernel setting for a test and return the function that puts the old value back. Not
 * LoopFsPool.setSysctl: printk_devkmsg accepts a write only with exactly one trailing newline.
 */
export function setKernelSetting(file: string, value: string): () => void {
  const old = fs.readFileSync(file, 'utf8').trim();
  fs.writeFileSync(file, `${value}\n`);
  return () => fs.writeFileSync(file, `${old}\n`);
}

/** Sum of counts of ERROR/DIED events of a device (kernel errors fsfault reported). */
export function errorTotal(events: readonly FsEvent[], device: string): number {
  return events.filter((e) => (e.kind === 'ERROR' || e.kind === 'DIED' || e.kind === 'SUPPRESSED') && e.fs.device === device).reduce((n, e) => n + e.count, 0);
}

/** Sum of LOST counts attributed to a device with one reason. */
export function lostTotal(events: readonly FsEvent[], device: string, reason?: string): number {
  let n = 0;
  for (const e of events) {
    if (e.kind !== 'LOST' || !e.lost) continue;
    const byFs = e.lost.byFilesystem.find((b) => b.device === device)?.count ?? 0;
    if (byFs === 0) continue;
    if (reason === undefined) n += byFs;
    else if (e.lost.reasons.length === 1 && e.lost.reasons[0]!.reason === reason) n += byFs;
    else n += e.lost.reasons.find((r) => r.reason === reason)?.count ?? 0;
  }
  return n;
}
