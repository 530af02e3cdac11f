/**
 * Test-only: a REAL Confluent-compatible schema registry, Apicurio Registry (Maven Central
 * artifact, unpacked and cached under .cache/ by test/registry/apicurio-registry.sh), run on
 * 127.0.0.1 with in-memory storage. A missing prerequisite (mvn, Java >= 21, network to Maven
 * Central on the first run) FAILS the test loudly.
 *
 *   const r = await startApicurio();   // r.url = http://127.0.0.1:PORT/apis/ccompat/v7
 *   r.pause(); r.resume();             // SIGSTOP / SIGCONT: a registry that accepts and never answers
 *   await r.stop();                    // always, in `after`
 *
 * The project's registry double (test/kafka/registry-server.ts) stays only for faults a real
 * registry cannot be made to give on demand: 5xx answers, fail-over between URLs, basic auth.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';
import { freePort } from '../../helpers/free-port';

export const APICURIO_SCRIPT = path.join(repoRoot, 'test', 'registry', 'apicurio-registry.sh');
export const APICURIO_VERSION = process.env.FSFAULT_APICURIO_VERSION ?? '3.3.3';

export interface ApicurioHandle {
  /** Confluent-compatible API base, as fsfault's `kafka.registry.urls` and confluent-kafka take it. */
  url: string;
  pid: number;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});


export async function startApicurio(timeoutMs = 120_000): Promise<ApicurioHandle> {
  const f = spawnSync('bash', [APICURIO_SCRIPT, 'fetch', APICURIO_VERSION], { encoding: 'utf8' });
  if (f.status !== 0) throw new Error(`apicurio-registry.sh fetch ${APICURIO_VERSION} failed (status ${f.status}):\n${f.stderr}`);
  const port = await freePort();
  const mport = await freePort();
  const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-apicurio-')), 'registry.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn('bash', [APICURIO_SCRIPT, 'run', APICURIO_VERSION, String(port), String(mport)], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  live.add(child);
  const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(t);
    }
    live.delete(child);
    fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      const log = fs.readFileSync(logFile, 'utf8');
      await stop();
      throw new Error(`Apicurio Registry exited (${child.exitCode}) before it was ready; log tail:\n${log.split('\n').slice(-30).join('\n')}`);
    }
    const ok = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Apicurio Registry not ready after ${timeoutMs} ms (${url}); log: ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid!,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    stop,
  };
}
