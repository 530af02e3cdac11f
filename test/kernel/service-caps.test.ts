/**
 * The systemd unit's privilege model on the real kernel: the agent runs as an unprivileged user
 * (uid 65534) holding exactly the capabilities packaging/systemd/fsfault.service grants
 * (AmbientCapabilities = CapabilityBoundingSet), with kernel.dmesg_restrict=1 so CAP_SYSLOG matters.
 * It watches, reports a real ext4 error into a store it owns, and with any one of CAP_SYS_ADMIN or
 * CAP_SYSLOG dropped it stops at once with PRIVILEGE_MISSING naming that capability.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import { cliPath, repoRoot } from '../helpers/paths';
import { setKernelSetting } from '../helpers/watch-harness';

const UNIT = path.join(repoRoot, 'packaging', 'systemd', 'fsfault.service');
let pool: LoopFsPool;
let stateDir: string;
const restores: (() => void)[] = [];
const children: ChildProcess[] = [];

/** The capability names of one unit directive, e.g. ['sys_admin', 'syslog', 'dac_read_search']. */
function unitCaps(directive: string): string[] {
  const unit = fs.readFileSync(UNIT, 'utf8');
  const line = new RegExp(`^${directive}=(.*)$`, 'm').exec(unit)?.[1];
  assert.ok(line, `${directive} in the unit`);
  return line.trim().split(/\s+/).map((c) => c.replace(/^CAP_/, '').toLowerCase()).sort();
}

/** setpriv arguments giving uid/gid 65534 exactly `caps` (permitted, effective, inheritable, ambient, bounding). */
function asServiceUser(caps: string[]): string[] {
  const set = ['-all', ...caps.map((c) => `+${c}`)].join(',');
  return ['--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=${set}`, `--ambient-caps=${set}`, `--bounding-set=${set}`, '--'];
}

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount', 'setpriv']);
  pool = new LoopFsPool('fsfault-service-caps-');
  restores.push(setKernelSetting('/proc/sys/kernel/dmesg_restrict', '1'));
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-service-state-'));
  fs.chownSync(stateDir, 65534, 65534); // what StateDirectory= does for User=
});

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const r of restores.reverse()) r();
  fs.rmSync(stateDir, { recursive: true, force: true });
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

test('the unit grants exactly CAP_SYS_ADMIN, CAP_SYSLOG and CAP_DAC_READ_SEARCH', () => {
  assert.deepEqual(unitCaps('AmbientCapabilities'), ['dac_read_search', 'sys_admin', 'syslog']);
  assert.deepEqual(unitCaps('CapabilityBoundingSet'), ['dac_read_search', 'sys_admin', 'syslog']);
});

test("under exactly the unit's capabilities, as uid 65534, fsfault watches and reports a real ext4 error", async () => {
  const caps = unitCaps('AmbientCapabilities');
  const lf = pool.create('ext4');
  const p = spawn('setpriv', [...asServiceUser(caps), process.execPath, cliPath, 'watch', '--json', '--state-dir', stateDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(p);
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  const events = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { device: string; errno: number; sources: string[]; blob: { message?: string } | null });
  const deadline = Date.now() + 20_000;
  let seen: ReturnType<typeof events>[number] | undefined;
  for (let i = 0; !seen; i++) {
    assert.ok(Date.now() < deadline, `no event from the capability-restricted agent; stderr ${err}`);
    assert.equal(p.exitCode, null, `the agent exited: ${err}`);
    fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, `caps ${i}`);
    await new Promise((r) => setTimeout(r, 300));
    seen = events().find((e) => e.device === lf.device && e.sources.includes('fanotify') && e.sources.includes('kmsg'));
  }
  assert.equal(seen.errno, 117);
  p.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  assert.ok(fs.readdirSync(stateDir).length > 0, 'the store was written by the service user');
  pool.umount(lf);
});

for (const dropped of ['sys_admin', 'syslog']) {
  test(`without CAP_${dropped.toUpperCase()} (the unit's set minus one) it fails at once with PRIVILEGE_MISSING`, () => {
    const caps = unitCaps('AmbientCapabilities').filter((c) => c !== dropped);
    const r = spawnSync('setpriv', [...asServiceUser(caps), process.execPath, cliPath, 'watch', '--state-dir', stateDir], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^fsfault: error \\[PRIVILEGE_MISSING\\]: .*CAP_${dropped.toUpperCase()}`));
  });
}
