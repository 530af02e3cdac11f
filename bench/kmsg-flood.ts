/**
 * Kernel-log flood (root): fsfault's kmsg reader (the native watcher, created with the options the
 * live source gives it) and a bare C poll()+read() loop on /dev/kmsg (bench/kmsg-flood.c, compiled
 * here with cc) read the same flood of 200k records at the same time. Figures per run: records each
 * read and lost in the window between a start and an end marker, and fsfault / bare. Target:
 * fsfault reads >= 0.97 x what the bare loop reads, and its count is exact: records read + lost =
 * every sequence number it passed (the native kmsgRecordsRead and kmsgLostRecords counters).
 *
 *   sudo node dist/bench/kmsg-flood.js        (FSFAULT_BENCH_RECORDS=200000, FSFAULT_BENCH_RUNS=3)
 *
 * Kernel settings for the run, restored on every exit path (also on a failure or a signal):
 * kernel.printk_devkmsg=on (with "ratelimit" the kernel drops most userspace writes) and the console
 * loglevel lowered to 1 (the flood is level 7 and never printed; nothing else should be either).
 * Run it under the kernel-test lock on a shared machine: `flock /work/.kernel.lock node ...`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createWatcher } from '../native/index';
import type { Watcher } from '../native/types';

const RECORDS = Number(process.env.FSFAULT_BENCH_RECORDS ?? 200_000);
const RUNS = Number(process.env.FSFAULT_BENCH_RUNS ?? 3);
const TARGET_RATIO = 0.97;
const DEVKMSG = '/proc/sys/kernel/printk_devkmsg';
const PRINTK = '/proc/sys/kernel/printk';

/** Kernel settings changed for the run; restore() puts back what was there, once. */
class KernelSettings {
  private saved: [string, string][] = [];

  set(file: string, value: string): void {
    const old = fs.readFileSync(file, 'utf8').trim();
    this.saved.push([file, old]);
    // printk_devkmsg accepts a write only as the value plus exactly one trailing character.
    fs.writeFileSync(file, `${value}\n`);
  }

  restore(): void {
    for (const [file, old] of this.saved.reverse()) {
      try {
        fs.writeFileSync(file, `${file === PRINTK ? old.split(/\s+/).join(' ') : old}\n`);
      } catch (e) {
        process.stderr.write(`kmsg-flood: could not restore ${file} to "${old}": ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    }
    this.saved = [];
  }
}

function compileHelper(dir: string): string {
  const src = path.resolve(__dirname, '..', '..', 'bench', 'kmsg-flood.c');
  const out = path.join(dir, 'kmsg-flood');
  const r = spawnSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', out, src], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`kmsg-flood: cc failed: ${r.error?.message ?? r.stderr}`);
  return out;
}

/** Resolves with the first stdout line of `child` that matches `rx` (or rejects on exit/timeout). */
function lineOf(child: ChildProcessWithoutNullStreams, rx: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => done(new Error(`kmsg-flood: no ${rx} from the bare reader within ${ms} ms`)), ms);
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        const m = rx.exec(line);
        if (m) return done(null, m);
      }
    };
    const onExit = (code: number | null) => done(new Error(`kmsg-flood: the bare reader exited (${code}) before ${rx}`));
    const done = (err: Error | null, m?: RegExpExecArray) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`kmsg-flood: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface RunFigures {
  window: number;
  bare: { read: number; lost: number };
  fsfault: { read: number; lost: number; exact: boolean };
}

async function oneRun(helper: string, n: number): Promise<RunFigures> {
  const token = `${process.pid}-${n}-${Date.now()}`;
  const bare = spawn(helper, ['read', token], { stdio: ['ignore', 'pipe', 'pipe'] }) as unknown as ChildProcessWithoutNullStreams;
  let watcher: Watcher | null = null;
  try {
    bare.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    await lineOf(bare, /^ready$/, 10_000);
    // fsfault's reader as `watch` creates it (core/sources/live-source.ts): kmsg from the end, default batching.
    const errors: Error[] = [];
    watcher = createWatcher({ kmsg: { start: 'end' }, onError: (e) => errors.push(e) }, () => undefined);
    const w = watcher;
    const a = w.lastKmsgSeq()!;
    fs.writeFileSync('/dev/kmsg', `<7>kmsg-flood start ${token}\n`);
    const s = Number((await lineOf(bare, /^start (\d+)$/, 10_000))[1]);
    await until(() => (w.lastKmsgSeq() ?? -1) >= s, 10_000, 'fsfault to read the start marker');
    const mid = w.stats();
    const midLast = w.lastKmsgSeq()!;

    const writer = spawnSync(helper, ['write', String(RECORDS), token], { encoding: 'utf8' });
    if (writer.status !== 0) throw new Error(`kmsg-flood: the writer failed: ${writer.stderr}`);
    fs.writeFileSync('/dev/kmsg', `<7>kmsg-flood end ${token}\n`);
    const m = await lineOf(bare, /^start (\d+) end (\d+) read (\d+) lost (\d+) overruns (\d+)$/, 60_000);
    const e = Number(m[2]);
    await until(() => (w.lastKmsgSeq() ?? -1) >= e, 60_000, 'fsfault to read the end marker');
    const end = w.stats();
    const endLast = w.lastKmsgSeq()!;
    if (errors.length) throw errors[0]!;

    // Exact over everything fsfault passed since it started: read + lost = sequence numbers passed.
    const exact = end.kmsgRecordsRead + end.kmsgLostRecords === endLast - a;
    // The window (s, e]: what fsfault read after the mid point, plus records of the window it had
    // already read then (midLast > s when something else logged), minus those it read after e.
    const read = end.kmsgRecordsRead - mid.kmsgRecordsRead + (midLast - s) - (endLast - e);
    const lost = end.kmsgLostRecords - mid.kmsgLostRecords;
    return { window: e - s, bare: { read: Number(m[3]), lost: Number(m[4]) }, fsfault: { read, lost, exact } };
  } finally {
    await watcher?.stop();
    if (bare.exitCode === null) bare.kill();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('kmsg-flood: run as root (it writes kernel.printk_devkmsg and reads /dev/kmsg)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-kmsg-flood-'));
  const settings = new KernelSettings();
  const onSignal = (sig: NodeJS.Signals) => {
    settings.restore();
    fs.rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const helper = compileHelper(dir);
    settings.set(DEVKMSG, 'on');
    const printk = fs.readFileSync(PRINTK, 'utf8').trim().split(/\s+/);
    settings.set(PRINTK, ['1', ...printk.slice(1)].join(' '));
    let fRead = 0;
    let bRead = 0;
    let allExact = true;
    for (let i = 1; i <= RUNS; i++) {
      const r = await oneRun(helper, i);
      const ok = r.fsfault.read + r.fsfault.lost === r.window && r.bare.read + r.bare.lost === r.window;
      allExact &&= r.fsfault.exact && ok;
      fRead += r.fsfault.read;
      bRead += r.bare.read;
      console.log(
        `kmsg-flood run ${i}: window ${r.window} records; bare loop read ${r.bare.read} lost ${r.bare.lost}; ` +
          `fsfault read ${r.fsfault.read} lost ${r.fsfault.lost}; ratio ${(r.fsfault.read / r.bare.read).toFixed(3)}; ` +
          `read + lost = window: ${ok && r.fsfault.exact ? 'exact' : 'NOT EXACT'}`,
      );
    }
    const ratio = fRead / bRead;
    console.log(`kmsg-flood ${RUNS} x ${RECORDS} records: fsfault read ${fRead}, bare loop ${bRead}, ratio ${ratio.toFixed(3)} (target >= ${TARGET_RATIO}); counts ${allExact ? 'exact' : 'NOT exact'}`);
    if (ratio < TARGET_RATIO || !allExact) process.exitCode = 1;
  } finally {
    settings.restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
