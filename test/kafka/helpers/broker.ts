/**
 * Test-only: start a real single-node Kafka broker through test/broker/kafka-broker.sh (jars from
 * Maven Central, cached in .cache/kafka-<version>/). A missing prerequisite (java, mvn, keytool,
 * network to Maven Central on the first run) FAILS the test loudly: the Kafka suite never skips.
 *
 *   const b = await startBroker({ version: '4.4.0', tls: true });
 *   ... b.bootstrap / b.tlsBootstrap / b.caPem ...
 *   await b.halt(); await b.restart();   // same ports and data: an outage
 *   await b.stop();                      // always, in `after`/`finally`
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';
import { freePort } from '../../helpers/free-port';

export const BROKER_SCRIPT = path.join(repoRoot, 'test', 'broker', 'kafka-broker.sh');

/** Versions the suite runs against (override: FSFAULT_KAFKA_VERSIONS=4.4.0,3.9.2). */
export const KAFKA_VERSIONS = (process.env.FSFAULT_KAFKA_VERSIONS ?? '4.4.0,3.9.2').split(',').map((v) => v.trim()).filter(Boolean);

export interface BrokerOptions {
  version: string;
  /** Add an SSL listener (keytool-made CA; clients trust `caPem`). */
  tls?: boolean;
  /** Add a SASL_SSL listener: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, user fsfault / fsfault-pw. */
  sasl?: boolean;
}

export interface BrokerHandle {
  version: string;
  bootstrap: string;
  tlsBootstrap?: string;
  saslBootstrap?: string;
  /** PEM of the test CA that signed the broker certificate (tls/sasl only). */
  caPem?: string;
  dir: string;
  /** Stop the broker process but keep its data and ports (simulated outage). */
  halt(): Promise<void>;
  /** Start it again after halt(), same data and ports; resolves when ready. */
  restart(): Promise<void>;
  /** Stop for good and delete its directory. Idempotent. */
  stop(): Promise<void>;
}

export const SASL_USER = { username: 'fsfault', password: 'fsfault-pw' };

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});


/** Fetch the jars (cached). Throws with Maven's output when it cannot. */
export function fetchBrokerJars(version: string): string {
  const r = spawnSync('bash', [BROKER_SCRIPT, 'fetch', version], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kafka-broker.sh fetch ${version} failed (status ${r.status}):\n${r.stderr}`);
  return r.stdout.trim();
}

async function waitReady(child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    if (text.includes('Kafka Server started')) return;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Kafka broker exited (${child.exitCode ?? child.signalCode}) before it was ready; log tail:\n${text.split('\n').slice(-40).join('\n')}`);
    }
    if (Date.now() > deadline) throw new Error(`Kafka broker not ready after ${timeoutMs} ms; log: ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited(child);
    clearTimeout(t);
  }
  live.delete(child);
}

export async function startBroker(opts: BrokerOptions): Promise<BrokerHandle> {
  fetchBrokerJars(opts.version);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fsfault-kafka-${opts.version}-`));
  const port = await freePort();
  const cport = await freePort();
  const tlsPort = opts.tls || opts.sasl ? await freePort() : undefined;
  const saslPort = opts.sasl ? await freePort() : undefined;
  const args = [BROKER_SCRIPT, 'run', opts.version, dir, String(port), String(cport)];
  if (tlsPort) args.push(String(tlsPort));
  if (saslPort) args.push(String(saslPort));
  let child: ChildProcess | null = null;
  let runs = 0;

  const launch = async () => {
    const logFile = path.join(dir, `broker-${++runs}.log`);
    const out = fs.openSync(logFile, 'w');
    const c = spawn('bash', args, { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    live.add(c);
    child = c;
    try {
      await waitReady(c, logFile, 90_000);
    } catch (e) {
      await kill(c);
      throw e;
    }
  };

  const handle: BrokerHandle = {
    version: opts.version,
    bootstrap: `127.0.0.1:${port}`,
    dir,
    halt: async () => {
      if (child) await kill(child);
      child = null;
    },
    restart: async () => {
      if (child) throw new Error('broker is running; halt() it first');
      await launch();
    },
    stop: async () => {
      if (child) await kill(child);
      child = null;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  if (tlsPort) handle.tlsBootstrap = `127.0.0.1:${tlsPort}`;
  if (saslPort) handle.saslBootstrap = `127.0.0.1:${saslPort}`;
  try {
    await launch();
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  if (tlsPort) handle.caPem = fs.readFileSync(path.join(dir, 'tls', 'ca.pem'), 'utf8');
  return handle;
}
