/**
 * Test-only child process: many simulated hosts in one process. Each host is a real `watch`
 * (runWatch: replay source → queue → its OWN SQLite store → the real Kafka connector and the agent
 * publisher), run `--once` with `--host`, several at a time. When a host is done, its local truth
 * (`fsfault status --json` of its store) is printed as one JSON line; the parent compares the fleet
 * with it. Saves ~300 node start-ups (~0.5 s of CPU each on this machine).
 *
 *   node hosts-child.js JOBS.json CONFIG.yaml CONCURRENCY
 *   JOBS.json: [{ "host": "h001", "replay": "…/ext4-abort.jsonl", "stateDir": "…" }, …]
 */
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import { runWatch } from '../../core/cli/commands/watch';
import { main } from '../../core/cli/main';
import type { CliIo } from '../../core/cli/io';

interface Job {
  host: string;
  replay: string;
  stateDir: string;
}

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const w = (f: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        f(chunk.toString());
        cb();
      },
    });
  return { io: { out: w((s) => (out += s)), err: w((s) => (err += s)), env: process.env }, out: () => out, err: () => err };
}

async function runHost(job: Job, config: string): Promise<void> {
  const c = capture();
  try {
    await runWatch({ config, replay: job.replay, once: true, host: job.host, stateDir: job.stateDir, stdout: false }, c.io);
    const s = capture();
    const code = await main(['node', 'fsfault', 'status', '--json', '--state-dir', job.stateDir, '--host', job.host, '--config', config], s.io);
    if (code !== 0) throw new Error(`status exited ${code}: ${s.err()}`);
    process.stdout.write(`${JSON.stringify({ host: job.host, status: JSON.parse(s.out()) })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ host: job.host, error: (e as Error).message, stderr: c.err().slice(-2000) })}\n`);
  }
}

async function run(): Promise<void> {
  const [jobsFile, config, concurrency] = process.argv.slice(2);
  const jobs = JSON.parse(fs.readFileSync(jobsFile!, 'utf8')) as Job[];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await runHost(jobs[next++]!, config!);
  };
  await Promise.all(Array.from({ length: Number(concurrency ?? 5) }, worker));
}

run().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
