/**
 * `fsfault watch`: run the pipeline. With --replay it reads a recorded file (no privileges needed);
 * otherwise it watches the live kernel (core/sources/live-source.ts): every mounted filesystem a
 * plugin claims, including ones mounted later, until SIGINT/SIGTERM. Events are appended to the local store (unless --no-store)
 * and printed on stdout (text, or JSON lines with --json); --kafka/--avro-dir add connectors.
 * --once exits after the input is drained, the queue flushed and every connector caught up.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load';
import { AvroFilesConfig, KafkaConfig, type Config } from '../../config/schema';
import { agentPublisherFor } from '../connectors';
import { agentSnapshotter } from '../agent-snapshot';
import type { LocalStore } from '../../store/local-store';
import type { MountTable } from '../../pipeline/mount-table';
import { parseListen, startMetricsServer, type MetricsServer } from '../../metrics/server';
import { ensureWritableDir } from '../../path-checks';
import { sleep } from '../../pipeline/retry';
import { FsfaultError } from '../../errors';
import { buildContainer, TOKENS } from '../../container';
import type { Pipeline } from '../../pipeline/pipeline';
import { assertNoConnectorError } from '../../pipeline/pipeline';
import { LiveSource } from '../../sources/live-source';
import { assertLivePrivileges } from '../../sources/live-privileges';
import { wireLiveSource } from '../live-wiring';
import { openEventLog } from '../open-log';
import { markStdoutCarriesEvents, type CliIo } from '../io';
import { createLogger, stderrIsJournal, LOG_LEVELS, type LogLevel, type Logger } from '../../log/logger';
import { statusLine } from '../../log/status-line';
import { serviceNotifier } from '../service-notify';

export interface WatchOptions {
  config?: string;
  replay?: string;
  once?: boolean;
  json?: boolean;
  stateDir?: string;
  store?: boolean;
  stdout?: boolean;
  host?: string;
  plugin?: string[];
  avroDir?: string;
  kafka?: string;
  topic?: string;
  registry?: string[];
  metrics?: string;
  exitOnConnectorError?: boolean;
  logLevel?: string;
  logFormat?: string;
}

export function watchConfig(opts: WatchOptions, io: CliIo): Config {
  const config = loadConfig(opts.config, io.env);
  if (opts.stateDir) config.stateDir = opts.stateDir;
  if (opts.host) config.host = opts.host;
  if (opts.store === false) config.store.enabled = false;
  if (opts.stdout === false) config.stdout.enabled = false;
  if (opts.json) config.stdout.format = 'json';
  if (opts.plugin?.length) config.plugins = [...config.plugins, ...opts.plugin];
  if (opts.avroDir) config.avroFiles = AvroFilesConfig.parse({ ...config.avroFiles, dir: opts.avroDir });
  if (opts.metrics) config.metrics = { listen: opts.metrics };
  if (opts.exitOnConnectorError) config.onConnectorFatal = 'exit';
  if (opts.logLevel !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel)) throw new FsfaultError('CLI_BAD_ARGUMENT', `option --log-level must be one of ${LOG_LEVELS.join(', ')} (got '${opts.logLevel}')`);
    config.log.level = opts.logLevel as LogLevel;
  }
  if (opts.logFormat !== undefined) {
    if (opts.logFormat !== 'text' && opts.logFormat !== 'json') throw new FsfaultError('CLI_BAD_ARGUMENT', `option --log-format must be text or json (got '${opts.logFormat}')`);
    config.log.format = opts.logFormat;
  }
  if (opts.kafka || opts.topic || opts.registry) {
    const brokers = opts.kafka ? opts.kafka.split(',').map((b) => b.trim()).filter(Boolean) : config.kafka?.brokers;
    if (!brokers?.length) throw new FsfaultError('CLI_BAD_ARGUMENT', '--topic/--registry need --kafka BROKERS (or kafka.brokers in the config)');
    config.kafka = KafkaConfig.parse({
      ...config.kafka,
      brokers,
      ...(opts.topic ? { topic: opts.topic } : {}),
      ...(opts.registry ? { registry: { ...config.kafka?.registry, urls: opts.registry } } : {}),
    });
  }
  return config;
}

export async function runWatch(opts: WatchOptions, io: CliIo, signal?: AbortSignal): Promise<void> {
  const config = watchConfig(opts, io);
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    out: io.err,
    journald: io.err === process.stderr && stderrIsJournal(io.env),
  });
  if (opts.once && !opts.replay) throw new FsfaultError('CLI_BAD_ARGUMENT', '--once needs --replay FILE (a live kernel has no end)');
  // Before the store is opened: without the capabilities, say so in one line and touch nothing.
  if (!opts.replay) assertLivePrivileges({ kmsg: config.sources.kmsg, fanotify: config.sources.fanotify });
  // A replay never writes into the store a live watch uses (its kernel cursors would be the
  // recording's): without an explicit --state-dir it runs on a temporary store, removed at exit.
  const tempStateDir = opts.replay && opts.stateDir === undefined && config.store.enabled ? fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-replay-')) : null;
  if (tempStateDir) config.stateDir = tempStateDir;
  try {
    await runPipeline(opts, config, io, logger, signal);
  } finally {
    if (tempStateDir) fs.rmSync(tempStateDir, { recursive: true, force: true });
  }
}

/**
 * Everything the arguments name that can be checked without starting anything: a bad address or
 * path is one line and an exit code here, never a retry loop later (README "Running it").
 */
function preflight(config: Config): void {
  if (config.metrics) parseListen(config.metrics.listen);
  if (config.avroFiles) ensureWritableDir('the Avro directory (--avro-dir / avroFiles.dir)', config.avroFiles.dir);
}

/** After a failed start or a fatal error: stop what runs, but never wait forever for it. */
async function stopAfterFailure(pipeline: Pipeline, warn: (m: string) => void): Promise<void> {
  const bound = new AbortController();
  let stopped = false;
  await Promise.race([
    pipeline
      .stop()
      .catch((e: Error) => warn(`while stopping after an error: ${e.message}`))
      .finally(() => (stopped = true)),
    sleep(STOP_AFTER_FAILURE_MS, bound.signal),
  ]);
  bound.abort();
  if (!stopped) warn(`stopping took longer than ${STOP_AFTER_FAILURE_MS / 1000} s after an error; exiting anyway (stored events stay in the store)`);
}

const STOP_AFTER_FAILURE_MS = 10_000;

async function runPipeline(opts: WatchOptions, config: Config, io: CliIo, logger: Logger, signal?: AbortSignal): Promise<void> {
  const warn = (m: string) => logger.warn(m);
  preflight(config);
  if (config.stdout.enabled) markStdoutCarriesEvents();
  // Plugins, probes, sources and connectors all come from the bound modules (core/container.ts).
  // onConnectorFatal 'exit': a connector that stopped for good ends the run (exit 1 below).
  let stopNow: (() => void) | null = null;
  let fatalSeen = false;
  const container = buildContainer({
    onConnectorFatal: () => {
      fatalSeen = true;
      if (config.onConnectorFatal === 'exit') stopNow?.();
    },
    config,
    log: (schema, codec) => openEventLog(config, schema, codec),
    request: { replay: opts.replay },
    out: io.out,
    stampSource: opts.replay ? 'replay' : undefined,
    warn,
    debug: logger.enabled('debug') ? (m: string) => logger.debug(m) : undefined,
  });
  const live = container.getAll<unknown>(TOKENS.Source, { optional: true }).find((s): s is LiveSource => s instanceof LiveSource) ?? null;
  const pipeline = container.get<Pipeline>(TOKENS.Pipeline);
  // Opens the store and takes its writer lock (STORE_LOCKED): nothing has started yet.
  const log = container.get<LocalStore>(TOKENS.EventLog);
  // Promises alone do not keep node running: without this a stuck drain would end the process
  // silently with exit code 0 instead of hanging visibly.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let metrics: MetricsServer | null = null;
  let status: NodeJS.Timeout | null = null;
  const service = serviceNotifier(io.env, () => pipeline.ready(), warn);
  let started = false;
  let stopping = false;
  let agent: Awaited<ReturnType<typeof agentPublisherFor>> = null;
  try {
    if (live) wireLiveSource(container, live, { warn });
    // Bound before the pipeline starts: a port in use ends the start-up with nothing running.
    if (config.metrics) metrics = await startMetricsServer(config.metrics.listen, () => pipeline.metrics(), () => pipeline.readiness());
    agent = await agentPublisherFor(config, agentSnapshotter(config.host, container.get<MountTable>(TOKENS.MountTable), log), warn);
    started = true;
    await pipeline.start();
    agent?.start();
    service.ready(opts.replay ? `replaying ${opts.replay}` : `watching ${live?.watched().length ?? 0} filesystems`);
    // A store that can take no more appends ends the run, whatever it waits for.
    const failure = pipeline.failed().then((e) => Promise.reject(e));
    failure.catch(() => undefined);
    const exitAsked = new Promise<void>((r) => {
      stopNow = r;
      if (fatalSeen && config.onConnectorFatal === 'exit') r();
    });
    if (opts.once) {
      await Promise.race([pipeline.drain(), exitAsked, failure, new Promise<void>((r) => signal?.addEventListener('abort', () => r(), { once: true }))]);
    } else {
      if (config.log.statusIntervalSec > 0) {
        status = setInterval(() => logger.info(statusLine(pipeline.metrics(), 'status')), config.log.statusIntervalSec * 1000);
        status.unref();
      }
      await Promise.race([
        failure,
        new Promise<void>((resolve) => {
          void exitAsked.then(resolve);
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          signal?.addEventListener('abort', stop, { once: true });
        }),
      ]);
    }
    stopping = true;
    service.stopping();
    await pipeline.stop();
    await agent?.stop();
    if (opts.once) logger.info(statusLine(pipeline.metrics(), 'summary'));
    assertNoConnectorError(pipeline);
  } catch (e) {
    if (started && !stopping) await stopAfterFailure(pipeline, warn);
    throw e;
  } finally {
    if (status) clearInterval(status);
    service.close();
    await agent?.close();
    await metrics?.close();
    clearInterval(keepAlive);
    log.close();
  }
}

export function register(program: Command, io: CliIo): void {
  program
    .command('watch')
    .description('watch filesystems for errors (or replay a recorded file) and publish events')
    .option('--replay <file>', 'read raw records from a replay file (JSON lines) instead of the kernel')
    .option('--once', 'exit after the input is drained and every event is delivered (with --replay)')
    .option('--json', 'print events as JSON lines (default: one human line each)')
    .option('--config <file>', 'configuration file (YAML, ${ENV} interpolated)')
    .option('--state-dir <dir>', 'where the local store lives (default /var/lib/fsfault; with --replay a temporary store removed at exit)')
    .option('--host <name>', 'host name written into events (default: this machine)')
    .option('--plugin <module>', 'load an extra plugin module (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--avro-dir <dir>', 'also write Avro container files under DIR (dt=…/host=…/ partitions)')
    .option('--kafka <brokers>', 'also publish to Kafka (comma-separated bootstrap brokers)')
    .option('--topic <topic>', 'Kafka topic (default fs-errors)')
    .option('--registry <url>', 'Confluent schema registry URL (repeatable for fail-over)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--metrics <host:port>', 'serve Prometheus /metrics, /healthz and /readyz there (e.g. 127.0.0.1:9464)')
    .option('--exit-on-connector-error', 'exit (status 1) as soon as a connector stops with a non-retriable error (default: keep recording, /readyz reports it)')
    .option('--log-level <level>', 'error, warn, info (default) or debug; config log.level')
    .option('--log-format <format>', 'text (default) or json; config log.format')
    .option('--no-store', 'do not keep events in the local store (memory only)')
    .option('--no-stdout', 'do not print events')
    .action(async (opts: WatchOptions) => {
      await runWatch(opts, io);
    });
}
