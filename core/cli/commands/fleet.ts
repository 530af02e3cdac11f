/**
 * `fsfault fleet serve` (a consumer-group member folding the events topic into the fleet-state
 * topic, with the fleet page, API and metrics) and `fsfault fleet status` (the fleet-state and
 * agents topics read once, for scripts). The code is in fleet/ (see its README).
 */
import type { Command } from 'commander';
import { FsfaultError } from '../../errors';
import { schemaFor } from '../../container';
import { isoMicros } from '../../model/json-view';
import { startFleetServe, readFleet } from '../../../fleet/serve';
import type { FleetAgent, FleetFilesystem } from '../../../fleet/merge';
import type { Config } from '../../config/schema';
import { watchConfig } from './watch';
import { warnTo, type CliIo } from '../io';
import { useV8HeapDefaults } from '../../heap-policy';
import { fulfilsWithin } from '../../pipeline/retry';

interface FleetOptions {
  config?: string;
  kafka?: string;
  topic?: string;
  registry?: string[];
  group?: string;
  listen?: string;
}

const STATES = ['healthy', 'degraded', 'dead'];
/** The longest `fleet serve` takes to stop after SIGTERM/SIGINT (a clean stop takes < 1 s). */
const FLEET_STOP_MS = 8000;

function fleetConfig(opts: FleetOptions, io: CliIo): Config {
  const config = watchConfig({ config: opts.config, kafka: opts.kafka, topic: opts.topic, registry: opts.registry }, io);
  if (opts.group) config.fleet.group = opts.group;
  if (opts.listen) config.fleet.listen = opts.listen;
  return config;
}

const schemaOf = (config: Config) => schemaFor(config);
const when = (us: number | null | undefined) => (us ? isoMicros(us).replace(/\.\d+Z$/, 'Z') : '-');

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function fleetStatusText(fss: readonly FleetFilesystem[], agents: readonly FleetAgent[]): string {
  const n = (s: string) => fss.filter((f) => f.state === s && f.key !== '*').length;
  const silent = agents.filter((a) => a.status === 'silent');
  const lines = [`${fss.length} filesystems: ${n('dead')} dead, ${n('degraded')} degraded, ${n('healthy')} healthy; ${agents.length} agents, ${silent.length} silent`];
  if (silent.length) lines.push(`silent: ${silent.map((a) => `${a.host} (last heartbeat ${when(a.heartbeatTime)})`).join(', ')}`);
  if (fss.length) {
    const rows = fss.map((f) => [
      f.host,
      f.key === '*' ? '(unattributed)' : f.key,
      f.type === '*' ? '-' : f.type,
      f.mountPoint ?? '-',
      f.key === '*' ? '-' : f.state,
      String(f.errors),
      f.lastError ? `${when(f.lastError.time)} ${f.lastError.errnoName ?? f.lastError.errno ?? ''}`.trim() : '-',
      when(f.since),
    ]);
    lines.push('', ...table([['HOST', 'FILESYSTEM', 'TYPE', 'MOUNT', 'STATE', 'ERRORS', 'LAST ERROR', 'SINCE'], ...rows]));
  }
  return `${lines.join('\n')}\n`;
}

function kafkaOptions(c: Command): Command {
  return c
    .option('--config <file>', 'configuration file (YAML): kafka.* for brokers/TLS/SASL/registry, fleet.* for the fleet')
    .option('--kafka <brokers>', 'bootstrap brokers (comma-separated)')
    .option('--topic <topic>', 'events topic (default fs-errors)')
    .option('--registry <url>', 'schema registry URL (repeatable)', (v: string, acc: string[] = []) => [...acc, v]);
}

export function register(program: Command, io: CliIo): void {
  const fleet = program.command('fleet').description('the fleet view over Kafka: serve it, or print it');
  kafkaOptions(fleet.command('serve').description('fold the events topic (as a consumer-group member) into the fleet state; serve the page, API and metrics'))
    .option('--group <id>', 'consumer group of the fleet instances (default fsfault-fleet)')
    .option('--listen <host:port>', 'HTTP bind address (default 127.0.0.1:9465)')
    .action(async (opts: FleetOptions) => {
      const config = fleetConfig(opts, io);
      const warn = warnTo(io);
      useV8HeapDefaults(); // a server folding 10^4+ events/s, not a host agent (core/heap-policy.ts)
      const server = await startFleetServe(config, schemaOf(config), warn);
      io.err.write(`fsfault: fleet serving on ${server.url} (group ${config.fleet.group}, events topic ${config.kafka!.topic})\n`);
      const keepAlive = setInterval(() => undefined, 1 << 30);
      try {
        await Promise.race([
          new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          }),
          server.failed, // FLEET_UNAVAILABLE, exit 1: nothing folds any more
        ]);
      } finally {
        clearInterval(keepAlive);
        // Bounded as a whole (its parts have their own deadlines): a stop never hangs.
        const stopped = await fulfilsWithin(server.stop(), FLEET_STOP_MS);
        if (!stopped) warn(`stopping took longer than ${FLEET_STOP_MS} ms; exiting anyway (uncommitted events are folded again by the next owner)`);
        // kafkajs can leave a broker socket open after its consumer restarted itself (seen after
        // "the coordinator is loading" at start-up): the process would then never end. Everything
        // that matters is done here (state written before its commit, group left or given up), so
        // the process ends once the exit code is set, whatever a library still holds.
        setTimeout(() => process.exit(), 200).unref();
      }
    });
  kafkaOptions(fleet.command('status').description('print the fleet from the fleet-state and agents topics (no service needed)'))
    .option('--json', 'JSON: { filesystems, agents }')
    .option('--state <state>', 'only filesystems in this state (healthy, degraded, dead)')
    .option('--host <name>', 'only this host')
    .action(async (opts: FleetOptions & { json?: boolean; state?: string; host?: string }) => {
      if (opts.state && !STATES.includes(opts.state)) throw new FsfaultError('CLI_BAD_ARGUMENT', `--state must be one of ${STATES.join(', ')} (got '${opts.state}')`);
      const config = fleetConfig(opts, io);
      const fleet = await readFleet(config, schemaOf(config), warnTo(io));
      const fss = fleet.filesystems.filter((f) => (!opts.state || f.state === opts.state) && (!opts.host || f.host === opts.host));
      const agents = fleet.agents.filter((a) => !opts.host || a.host === opts.host);
      if (opts.json) io.out.write(`${JSON.stringify({ filesystems: fss, agents }, null, 2)}\n`);
      else io.out.write(fleetStatusText(fss, agents));
    });
}
