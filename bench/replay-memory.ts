/**
 * Replay memory and throughput: `fsfault watch --replay FILE --once --no-stdout` into a fresh store,
 * over generated recordings of growing size (default 100k, 1M and 10M lines). Prints, per size, the
 * peak RSS of the process (GNU time's %M) and the lines/s, and the RSS ratio of the largest size to
 * the smallest (the target: flat, and at most 150 MB at 10M lines).
 *
 *   node dist/bench/replay-memory.js [--lines 100000,1000000,10000000] [--cli DIR] [--dir TMP]
 *
 * --cli DIR runs another build (a checkout with bin/ and dist/) with the same recordings, so a
 * "before" figure comes from the same script and data. Needs /usr/bin/time (Debian: `time`).
 *
 * The recording: one ext4 and one XFS mount (both on loop0, told apart by uuid) and kernel-log error
 * lines for them, each with a distinct inode so the queue merges only what repeats within its
 * linger; every line has its read time, ~100 µs apart.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const SIZES = arg('--lines', '100000,1000000,10000000').split(',').map(Number);
const CLI = path.resolve(arg('--cli', path.join(__dirname, '..', '..')));
const BASE = arg('--dir', os.tmpdir());
const T0 = 1_795_000_000_000_000;

const MOUNT = (fsType: string, uuid: string, fsid: string) => ({
  source: 'mount',
  action: 'mounted',
  readAtUs: T0,
  mount: { mountId: 42, mountPoint: `/mnt/${fsType}`, device: 'loop0', majorMinor: '7:0', fsType, fsid, uuid, options: ['rw'] },
});

/** Write a recording of `lines` lines, streaming (a 10M-line file is ~2 GB). */
export function writeRecording(file: string, lines: number): void {
  const fd = fs.openSync(file, 'w');
  let buf = JSON.stringify(MOUNT('ext4', 'ab5abcd3-6d3b-4d8c-bdcd-24ac2e9010a5', '7f989716295dab43')) + '\n';
  for (let i = 1; i < lines; i++) {
    const t = T0 + i * 100;
    const ts = 600_000_000 + i * 100;
    const inode = 12 + (i % 5000);
    const rec = `2,${1000 + i},${ts},-;EXT4-fs error (device loop0): ext4_lookup:1812: inode #${inode}: comm cat: iget: bogus i_mode (177777)\n`;
    buf += `{"source":"kmsg","record":${JSON.stringify(rec)},"readAtUs":${t}}\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

export interface Run {
  rssMiB: number;
  seconds: number;
  ok: boolean;
  stderr: string;
}

/** Run the CLI of `cliDir` under GNU time; peak RSS from %M (KiB). */
export function timed(cliDir: string, args: string[], stdout: 'ignore' | string = 'ignore'): Run {
  const out = stdout === 'ignore' ? 'ignore' : fs.openSync(stdout, 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'RSSKB=%M', process.execPath, path.join(cliDir, 'bin', 'fsfault.js'), ...args], {
    stdio: ['ignore', out, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (typeof out === 'number') fs.closeSync(out);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /RSSKB=(\d+)/.exec(r.stderr ?? '');
  const stderr = (r.stderr ?? '').replace(/RSSKB=\d+\n?/, '').trim();
  return { rssMiB: m ? Number(m[1]) / 1024 : NaN, seconds, ok: r.status === 0, stderr };
}

function main(): void {
  if (!fs.existsSync('/usr/bin/time')) throw new Error('needs /usr/bin/time (apt-get install time)');
  const dir = fs.mkdtempSync(path.join(BASE, 'fsfault-bench-replay-'));
  const results: { lines: number; run: Run }[] = [];
  try {
    for (const lines of SIZES) {
      const file = path.join(dir, `rec-${lines}.jsonl`);
      writeRecording(file, lines);
      const state = path.join(dir, `state-${lines}`);
      const run = timed(CLI, ['watch', '--replay', file, '--once', '--no-stdout', '--state-dir', state, '--host', 'bench']);
      results.push({ lines, run });
      const mb = (fs.statSync(file).size / 1048576).toFixed(0);
      const status = run.ok ? '' : `  FAILED: ${run.stderr.split('\n').slice(-2).join(' | ').slice(0, 200)}`;
      console.log(`replay ${lines} lines (${mb} MiB): rss ${run.rssMiB.toFixed(0)} MiB, ${run.seconds.toFixed(1)} s, ${Math.round(lines / run.seconds)} lines/s${status}`);
      fs.rmSync(file, { force: true });
      fs.rmSync(state, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ok = results.filter((r) => r.run.ok);
  if (ok.length >= 2) {
    const a = ok[0]!;
    const b = ok[ok.length - 1]!;
    const ratio = b.run.rssMiB / a.run.rssMiB;
    console.log(`replay rss ${b.lines}/${a.lines} lines: ratio ${ratio.toFixed(2)} (target: flat); ${b.run.rssMiB.toFixed(0)} MiB at ${b.lines} (target <= 150 MB at 10M)`);
    if (b.run.rssMiB * 1.048576 > 150 && b.lines >= 10_000_000) process.exitCode = 1;
  }
  if (ok.length < results.length) process.exitCode = 1;
}

if (require.main === module) main();
