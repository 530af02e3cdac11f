/**
 * The CLI as a user runs it, on the real kernel (root): `fsfault watch` without --replay watches
 * every mounted ext4 (also ones mounted after it started) and stops cleanly on SIGINT; without the
 * capabilities it fails with one line naming them; `fsfault doctor` explains the machine; a record
 * a user process writes to /dev/kmsg is rejected and counted in /metrics, `status` and `doctor`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { freePort } from '../helpers/free-port';
import { cliPath, repoRoot } from '../helpers/paths';
import { setKernelSetting } from '../helpers/watch-harness';

let pool: LoopFsPool;
const restores: (() => void)[] = [];
const children: ChildProcess[] = [];

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount', 'setpriv', 'capsh']);
  pool = new LoopFsPool('fsfault-watch-cli-');
});

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const r of restores.reverse()) r();
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

const trigger = (lf: LoopFs, msg: string) => fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, msg);

/** `fsfault watch --json`, its stdout parsed line by line. */
function startWatch(args: string[] = ['--no-store', '--json']): { lines: Record<string, unknown>[]; stderr: () => string; exited: Promise<number | null>; kill(sig: NodeJS.Signals): void } {
  const p = spawn(process.execPath, [cliPath, 'watch', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(p);
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
  });
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { lines, stderr: () => err, exited, kill: (sig) => p.kill(sig) };
}

async function waitLine(w: ReturnType<typeof startWatch>, what: string, pred: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const l = w.lines.find(pred);
    if (l) return l;
    if (Date.now() > deadline) throw new Error(`no ${what} after ${timeoutMs} ms; stdout ${JSON.stringify(w.lines.slice(-5))}; stderr ${w.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The watcher is running once it reports an error we cause (no readiness line by design). */
async function ready(w: ReturnType<typeof startWatch>, lf: LoopFs): Promise<void> {
  // On a loaded machine this may trigger more than 10 errors before the watcher reports one, and
  // ext4 logs at most 10 per 5 s: the test's next error would then reach fanotify only, without
  // its kernel-log line. The filesystem is the test's own (the setting goes with the unmount).
  fs.writeFileSync(`/sys/fs/ext4/${lf.device}/err_ratelimit_interval_ms`, '0');
  const deadline = Date.now() + 10_000;
  for (let i = 0; ; i++) {
    trigger(lf, `ready ${i}`);
    const seen = w.lines.some((l) => l.device === lf.device && (l.blob as { message?: string } | null)?.message?.startsWith('ready'));
    if (seen) return;
    if (Date.now() > deadline) throw new Error(`fsfault watch never reported an error on ${lf.device}; stderr ${w.stderr()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('fsfault watch: trigger_fs_error prints one ext4 event (errno 117, count 1, device, trigger_test_error); later mounts too; SIGINT stops it', async () => {
  const lf = pool.create('ext4');
  const w = startWatch();
  await ready(w, lf);
  // As a user would: from another process (errors of one pid merge in the kernel while unread),
  // once the readiness errors are published (events of one moment merge in the queue).
  await new Promise((r) => setTimeout(r, 1000));
  const before = w.lines.length;
  spawnSync('sh', ['-c', `echo 'done-when check' > /sys/fs/ext4/${lf.device}/trigger_fs_error`]);
  const e = await waitLine(w, 'the event', (l) => l.device === lf.device && (l.blob as { message?: string }).message === 'done-when check');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(w.lines.slice(before).filter((l) => l.device === lf.device).length, 1, 'one event for one error');
  assert.equal(e.kind, 'ERROR');
  assert.equal(e.fsType, 'ext4');
  assert.equal(e.errno, 117);
  assert.equal(e.count, 1);
  assert.equal(e.mountPoint, lf.mountPoint);
  assert.equal((e.blob as { function: string }).function, 'trigger_test_error');

  const later = pool.create('ext4'); // mounted while watching
  const deadline = Date.now() + 5000;
  let got: Record<string, unknown> | undefined;
  for (let i = 0; !got && Date.now() < deadline; i++) {
    trigger(later, `later ${i}`);
    await new Promise((r) => setTimeout(r, 200));
    got = w.lines.find((l) => l.device === later.device && (l.sources as string[]).includes('fanotify'));
  }
  assert.ok(got, `an error on a filesystem mounted after start is reported through fanotify; stderr ${w.stderr()}`);

  const t0 = Date.now();
  w.kill('SIGINT');
  assert.equal(await w.exited, 0, `graceful exit on SIGINT; stderr ${w.stderr()}`);
  console.log(`# fsfault watch exited ${Date.now() - t0} ms after SIGINT`);
  assert.equal(w.stderr(), '', 'nothing on stderr');
  pool.umount(later);
  pool.umount(lf);
});

test('without privileges: one clear line naming the missing capabilities, non-zero exit', () => {
  const nobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cliPath, 'watch', '--no-store'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  assert.equal(nobody.status, 1, nobody.stderr);
  const lines = nobody.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${nobody.stderr}`);
  assert.match(lines[0]!, /^fsfault: error \[PRIVILEGE_MISSING\]: .*CAP_SYS_ADMIN.*CAP_SYSLOG/);
  assert.equal(nobody.stdout, '');

  // root without CAP_SYSLOG, with dmesg_restrict=1: only the kernel log is out of reach.
  restores.push(setKernelSetting('/proc/sys/kernel/dmesg_restrict', '1'));
  const noSyslog = spawnSync('capsh', ['--drop=cap_syslog', '--', '-c', `exec ${process.execPath} ${cliPath} watch --no-store`], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  assert.equal(noSyslog.status, 1, noSyslog.stderr);
  assert.equal(noSyslog.stderr.trim().split('\n').length, 1, noSyslog.stderr);
  assert.match(noSyslog.stderr, /PRIVILEGE_MISSING.*CAP_SYSLOG \(reading \/dev\/kmsg with kernel.dmesg_restrict=1\)/);
  assert.doesNotMatch(noSyslog.stderr, /CAP_SYS_ADMIN/);
});

test('fsfault doctor: a loop ext4 is watchable through fanotify as root; as nobody nothing is (exit 1)', () => {
  const lf = pool.create('ext4');
  const root = spawnSync(process.execPath, [cliPath, 'doctor', '--json'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  assert.equal(root.status, 0, root.stderr);
  const r = JSON.parse(root.stdout) as { watchable: boolean; filesystems: { device: string; watchable: boolean; mode: string }[]; checks: { name: string; status: string }[] };
  assert.equal(r.watchable, true);
  const mine = r.filesystems.find((f) => f.device === lf.device);
  assert.deepEqual({ watchable: mine?.watchable, mode: mine?.mode }, { watchable: true, mode: 'fanotify+log+counters' });
  assert.equal(r.checks.find((c) => c.name === 'FAN_FS_ERROR')?.status, 'ok');

  const text = spawnSync(process.execPath, [cliPath, 'doctor'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  assert.match(text.stdout, /fsfault watch can run here\./);

  const nobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cliPath, 'doctor'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  assert.equal(nobody.status, 1, nobody.stdout + nobody.stderr);
  assert.match(nobody.stdout, /FAIL {2}CAP_SYS_ADMIN: missing/);
  assert.match(nobody.stdout, /cannot watch anything here/);
  pool.umount(lf);
});

test('a record a user process writes to /dev/kmsg is rejected and counted: /metrics during the run, then status and doctor from the store', async () => {
  const lf = pool.create('ext4');
  restores.push(setKernelSetting('/proc/sys/kernel/printk_devkmsg', 'on'));
  const stateDir = fs.mkdtempSync('/tmp/fsfault-watch-cli-store-');
  try {
    const port = await freePort();
    const w = startWatch(['--state-dir', stateDir, '--host', 'kmsgtest', '--metrics', `127.0.0.1:${port}`, '--json']);
    await ready(w, lf);
    const rejected = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(/^fsfault_kmsg_rejected_records_total (\d+)$/m.exec(text)?.[1] ?? NaN);
    };
    assert.equal(await rejected(), 0);
    // This process is a user process: the kernel gives what it writes facility LOG_USER.
    for (let i = 0; i < 3; i++) fs.writeFileSync('/dev/kmsg', `<2>EXT4-fs error (device ${lf.device}): forged_function:${i}: comm liar: forged\n`);
    const deadline = Date.now() + 10_000;
    while ((await rejected()) < 3) {
      assert.ok(Date.now() < deadline, `the forged records were not counted; stderr ${w.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await rejected(), 3);
    assert.ok(!w.lines.some((l) => (l.blob as { function?: string } | null)?.function === 'forged_function'), 'a forged line is not an event');

    // The next stored event carries the tally (a source cursor); doctor reads the store read-only
    // beside the running watch, which holds the writer's lock.
    trigger(lf, 'after the forged ones');
    await waitLine(w, 'the real error', (l) => (l.blob as { message?: string } | null)?.message === 'after the forged ones');
    let doctor = '';
    for (const end = Date.now() + 10_000; !/kmsg rejected: 3 /.test(doctor) && Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const d = spawnSync(process.execPath, [cliPath, 'doctor', '--state-dir', stateDir, '--host', 'kmsgtest'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
      assert.equal(d.status, 0, d.stdout + d.stderr);
      doctor = d.stdout;
    }
    assert.match(doctor, /^warn {2}kmsg rejected: 3 records written to \/dev\/kmsg by user processes \(facility != 0\) were rejected/m);
    w.kill('SIGINT');
    assert.equal(await w.exited, 0, w.stderr());
    const status = spawnSync(process.execPath, [cliPath, 'status', '--state-dir', stateDir, '--host', 'kmsgtest'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^kernel log: 3 records written by user processes \(facility != 0\) rejected/m);
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
    pool.umount(lf);
  }
});
