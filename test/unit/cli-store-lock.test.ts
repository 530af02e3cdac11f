/**
 * One writer per store (README "The local store"): a second writer exits 1 at once with
 * STORE_LOCKED naming the store and the holder's pid; a SIGKILLed holder leaves no lock behind;
 * read commands work beside a running watch; `replay --to avro` refuses a held store; `watch
 * --replay` never writes the configured store nor a recording's kernel cursors. Kernel-free: the
 * holder is a `watch --replay` without --once, which runs until signalled.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { cliPath, fixturesDir, repoRoot } from '../helpers/paths';
import { SqliteStore } from '../../core/store/sqlite-store';
import { acquireStoreLock } from '../../core/store/store-lock';
import { isFsfaultError } from '../../core/errors';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-lock-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});
const fixture = path.join(fixturesDir, 'ext4-trigger.jsonl');
const HOST = 'locktest';
const TIMEOUT = 20_000;

/** Start a long-running writer and wait until its events are stored (the lock is taken before that). */
async function startHolder(stateDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cliPath, 'watch', '--replay', fixture, '--state-dir', stateDir, '--host', HOST, '--no-stdout'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const r = runCli(['events', '--state-dir', stateDir, '--host', HOST, '--json'], { timeoutMs: TIMEOUT });
    if (r.code === 0 && r.stdout.trim()) return child;
    assert.ok(child.exitCode === null, `holder exited early (${child.exitCode}): ${stderr}`);
    assert.ok(Date.now() < deadline, `holder stored nothing within ${TIMEOUT} ms: ${stderr}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('one writer per store', { timeout: 120_000 }, () => {
  it('a second watch on the same state dir exits 1 at once with STORE_LOCKED naming the store and pid; readers keep working; SIGKILL releases it', async () => {
    const dir = path.join(tmp, 'two-watches');
    const holder = await startHolder(dir);
    const second = runCli(['watch', '--replay', fixture, '--once', '--state-dir', dir, '--host', HOST], { timeoutMs: TIMEOUT });
    assert.equal(second.code, 1, second.stderr);
    const lines = second.stderr.trim().split('\n');
    assert.equal(lines.length, 1, second.stderr);
    assert.match(lines[0]!, /^fsfault: error \[STORE_LOCKED\]: /);
    assert.ok(lines[0]!.includes(path.join(dir, `${HOST}.fsfault.db`)), lines[0]);
    assert.ok(lines[0]!.includes(`pid ${holder.pid}`), lines[0]);
    assert.equal(second.stdout, '', 'the refused watch printed nothing');
    assert.equal(fs.readFileSync(path.join(dir, `${HOST}.fsfault.db.lock`), 'utf8').trim(), String(holder.pid));

    // Readers beside the running writer: read-only, no lock.
    const where = ['--state-dir', dir, '--host', HOST];
    for (const args of [['status'], ['status', '--rebuild'], ['events'], ['summary'], ['report'], ['replay', '--from', '1'], ['export', '--out', path.join(tmp, 'x.avro')]]) {
      const r = runCli([...args, ...where], { timeoutMs: TIMEOUT });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }

    holder.kill('SIGKILL');
    await killed(holder);
    const third = runCli(['watch', '--replay', fixture, '--once', '--state-dir', dir, '--host', HOST, '--json'], { timeoutMs: TIMEOUT });
    assert.equal(third.code, 0, `after SIGKILL the kernel dropped the lock: ${third.stderr}`);
    assert.ok(third.stdout.trim().length > 0);
  });

  it('in one process too, a second writer is refused until the first closes', () => {
    const dir = path.join(tmp, 'in-process');
    const made = runCli(['watch', '--replay', fixture, '--once', '--state-dir', dir, '--host', HOST, '--no-stdout'], { timeoutMs: TIMEOUT });
    assert.equal(made.code, 0, made.stderr);
    const file = path.join(dir, `${HOST}.fsfault.db`);
    const first = acquireStoreLock(file);
    assert.throws(() => acquireStoreLock(file), (e: unknown) => isFsfaultError(e, 'STORE_LOCKED') && (e.details.pid as number) === process.pid);
    // Readers open without the lock.
    const reader = SqliteStore.open({ stateDir: dir, host: HOST, readOnly: true });
    assert.ok(reader.headOffset() > 0);
    reader.close();
    first.release();
    acquireStoreLock(file).release();
  });

  it('replay --to avro refuses a store a watch holds (STORE_LOCKED), and works once it stopped', async () => {
    const dir = path.join(tmp, 'replay-to');
    const avroDir = path.join(tmp, 'avro-out');
    const cfg = path.join(tmp, 'replay-to.yaml');
    fs.writeFileSync(cfg, `avroFiles:\n  dir: ${avroDir}\n`);
    const holder = await startHolder(dir);
    const r = runCli(['replay', '--from', '1', '--to', 'avro', '--config', cfg, '--state-dir', dir, '--host', HOST], { timeoutMs: TIMEOUT });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^fsfault: error \[STORE_LOCKED\]: cannot replay --to avro from the store .* \(pid \d+\)/);
    assert.ok(r.stderr.includes(`pid ${holder.pid}`), r.stderr);
    holder.kill('SIGTERM');
    await killed(holder);
    const ok = runCli(['replay', '--from', '1', '--to', 'avro', '--config', cfg, '--state-dir', dir, '--host', HOST], { timeoutMs: TIMEOUT });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /replayed [1-9]\d* event/);
  });

  it('watch --replay without --state-dir leaves the configured store alone; with --state-dir it stores no kernel cursors', () => {
    const configured = path.join(tmp, 'configured-state');
    const cfg = path.join(tmp, 'state.yaml');
    fs.writeFileSync(cfg, `stateDir: ${configured}\nhost: ${HOST}\n`);
    const leftovers = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('fsfault-replay-'));
    const r = runCli(['watch', '--replay', fixture, '--once', '--json', '--config', cfg], { timeoutMs: TIMEOUT });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, 'events are still printed');
    assert.ok(!fs.existsSync(configured), 'a replay did not create or write the configured state directory');
    const explicit = path.join(tmp, 'explicit');
    const k = runCli(['watch', '--replay', fixture, '--once', '--no-stdout', '--state-dir', explicit, '--host', HOST], { timeoutMs: TIMEOUT });
    assert.equal(k.code, 0, k.stderr);
    const s = SqliteStore.open({ stateDir: explicit, host: HOST, readOnly: true });
    try {
      assert.ok(s.headOffset() > 0, 'the replayed events are kept with --state-dir');
      assert.deepEqual(s.info().sourceCursors, {}, 'no kmsg.seq / kmsg.boot / counter baseline of the recording');
    } finally {
      s.close();
    }
    assert.deepEqual(
      fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('fsfault-replay-') && !leftovers.includes(f)),
      [],
      'the temporary store is removed at exit',
    );
  });
});
