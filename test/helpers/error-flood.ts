/**
 * A paced flood of real ext4 errors for kernel tests: a child process writes `trigger_fs_error` of
 * one filesystem `rate` times a second for `durationMs` (one pwrite each on one open fd; each write
 * is one ext4 error: a kernel-log line and a FAN_FS_ERROR). Paced, not free-running: a shell loop
 * runs at 15,000/s on a quiet machine and 270/s on a loaded one, and a test needs a known rate — a
 * flood the ring cannot hold while fsfault's JS thread is blocked, but one fsfault keeps up with
 * when it is not. Its own process, so the test process only watches. Resolves with how many
 * errors were written and when (so a test can tell a flood that fell short of its rate).
 */
import { spawn } from 'node:child_process';

export interface FloodResult {
  written: number;
  ms: number;
  /** Errors written by the end of each second of the flood (cumulative), to spot a stalled writer. */
  perSecond: number[];
}

// Runs in the child: write at the pace, sleep 1 ms between catch-ups, report as JSON on stdout.
const CHILD = `
const fs = require('node:fs');
const [file, rate, durationMs, tag] = process.argv.slice(1);
const fd = fs.openSync(file, 'w');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const t0 = Date.now();
let n = 0;
const perSecond = [];
for (;;) {
  const el = Date.now() - t0;
  if (el >= Number(durationMs)) break;
  while (perSecond.length < Math.floor(el / 1000)) perSecond.push(n);
  const due = Math.floor((el * Number(rate)) / 1000) + 1;
  while (n < due) fs.writeSync(fd, tag + ' ' + n++, 0);
  Atomics.wait(sleeper, 0, 0, 1);
}
fs.closeSync(fd);
process.stdout.write(JSON.stringify({ written: n, ms: Date.now() - t0, perSecond }));
`;

/** Start the flood now; the promise settles when it ended (rejects if the writer failed). */
export function errorFlood(triggerFile: string, opts: { rate: number; durationMs: number; tag?: string }): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', CHILD, triggerFile, String(opts.rate), String(opts.durationMs), opts.tag ?? 'flood'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.durationMs + 60_000);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as FloodResult);
      else reject(new Error(`error flood on ${triggerFile} ended with ${code ?? signal}: ${err}`));
    });
  });
}
