/**
 * Nothing hangs; every fatal condition exits with one clear line (issue: "trustworthy under
 * misuse"). Each case runs the real CLI under a timeout and checks the exit code and the one
 * stderr line `fsfault: error [CODE]: …` the README promises (exit 2: bad argument, 1: runtime).
 * Kernel-free: replays and temporary stores only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { cliPath, fixturesDir, repoRoot } from '../helpers/paths';
import { ConnectorPump } from '../../core/pipeline/connector-pump';
import type { Connector } from '../../core/pipeline/connector';
import { MemoryLog } from '../../core/store/memory-log';
import { isFsfaultError, isRetriable } from '../../core/errors';
import { makeEvent, testCodec } from './store-test-events';
import { printable } from '../../core/model/printable';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-fatal-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const fixture = path.join(fixturesDir, 'ext4-trigger.jsonl');
const HOST = 'fataltest';
/** Every case must end well within this; a hang fails the test instead of blocking the suite. */
const TIMEOUT = 20_000;
const stateDir = path.join(tmp, 'state');
const where = ['--state-dir', stateDir, '--host', HOST];

function run(args: string[]): CliResult {
  const r = runCli(args, { timeoutMs: TIMEOUT });
  assert.notEqual(r.code, -1, `fsfault ${args.join(' ')} did not end within ${TIMEOUT} ms (hang); stderr: ${r.stderr}`);
  return r;
}

/** Exit code and exactly one stderr line with the code; returns that line. */
function expectError(r: CliResult, exit: number, code: string, pattern?: RegExp): string {
  assert.equal(r.code, exit, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, new RegExp(`^fsfault: error \\[${code}\\]: \\S`));
  if (pattern) assert.match(lines[0]!, pattern);
  return lines[0]!;
}

before(() => {
  const r = runCli(['watch', '--replay', fixture, '--once', '--no-stdout', ...where], { timeoutMs: TIMEOUT });
  assert.equal(r.code, 0, r.stderr);
});

describe('watch: every start-up failure ends the run', { timeout: 180_000 }, () => {
  it('--metrics that is not HOST:PORT: exit 2 at once, nothing started (was: error printed, then a hang)', () => {
    expectError(run(['watch', '--replay', fixture, '--once', '--metrics', 'not-a-hostport', '--state-dir', path.join(tmp, 'm1')]), 2, 'CLI_BAD_ARGUMENT', /not-a-hostport/);
    assert.ok(!fs.existsSync(path.join(tmp, 'm1')), 'the store was not even created');
  });

  it('--metrics on a port in use: LISTEN_FAILED, exit 1 (was: a hang)', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    // The listener must stay up while the child runs, so spawnSync (which blocks this loop) is fine: the socket is already bound.
    try {
      expectError(run(['watch', '--replay', fixture, '--once', '--metrics', `127.0.0.1:${port}`, '--state-dir', path.join(tmp, 'm2')]), 1, 'LISTEN_FAILED', /EADDRINUSE/);
    } finally {
      server.close();
    }
  });

  it('--metrics on an address this host does not have: LISTEN_FAILED, exit 1', () => {
    expectError(run(['watch', '--replay', fixture, '--once', '--no-store', '--metrics', '192.0.2.1:9464']), 1, 'LISTEN_FAILED', /EADDRNOTAVAIL/);
  });

  it('--avro-dir naming a regular file: PATH_UNUSABLE, exit 1 (was: ENOTDIR retried forever)', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    expectError(run(['watch', '--replay', fixture, '--once', '--no-store', '--avro-dir', file]), 1, 'PATH_UNUSABLE', /a-file is not a directory/);
    expectError(run(['watch', '--replay', fixture, '--once', '--no-store', '--avro-dir', path.join(file, 'sub')]), 1, 'PATH_UNUSABLE', /a-file is not a directory/);
  });

  it('--avro-dir on a read-only place: PATH_UNUSABLE, exit 1', () => {
    expectError(run(['watch', '--replay', fixture, '--once', '--no-store', '--avro-dir', '/proc/fsfault-avro']), 1, 'PATH_UNUSABLE', /\/proc\/fsfault-avro/);
  });

  it('--state-dir /proc/nope: one line, exit 1 (was: a silent mkdir loop)', () => {
    expectError(run(['watch', '--replay', fixture, '--once', '--state-dir', '/proc/nope']), 1, 'STORE_OPEN_FAILED', /\/proc\/nope/);
  });

  it('--state-dir naming a regular file: exit 1', () => {
    const file = path.join(tmp, 'state-file');
    fs.writeFileSync(file, 'x');
    expectError(run(['watch', '--replay', fixture, '--once', '--state-dir', file]), 1, 'STORE_OPEN_FAILED', /not a directory/);
  });

  it('a bad replay line after the store opened: exit 2 with the line named, and no wait', () => {
    const f = path.join(tmp, 'untimed.jsonl');
    fs.writeFileSync(f, '{"source":"kmsg","record":"2,484,610886047,-;EXT4-fs error (device loop0): x:1: comm p: hi\\n"}\n');
    expectError(run(['watch', '--replay', f, '--once', '--state-dir', path.join(tmp, 'bad-line')]), 2, 'REPLAY_BAD_LINE', /untimed.jsonl:1/);
  });
});

describe('bad values: one line, exit 2', { timeout: 120_000 }, () => {
  const cases: [string, string[], RegExp][] = [
    ['watch --state-dir ""', ['watch', '--replay', fixture, '--once', '--state-dir', ''], /--state-dir must not be empty/],
    ['watch --host ""', ['watch', '--replay', fixture, '--once', '--no-store', '--host', ''], /--host must not be empty/],
    ['status --state-dir ""', ['status', '--state-dir', ''], /--state-dir must not be empty/],
    ['events --host " "', ['events', '--state-dir', stateDir, '--host', ' '], /--host must not be empty/],
    ['events --since 2026-02-30', ['events', ...where, '--since', '2026-02-30'], /--since: '2026-02-30' is not a time/],
    ['events --until 2026-11-21T24:00', ['events', ...where, '--until', '2026-11-21T24:00'], /--until: '2026-11-21T24:00' is not a time/],
    ['events --since after --until', ['events', ...where, '--since', '2026-11-22', '--until', '2026-11-21'], /--since 2026-11-22 is not before --until 2026-11-21/],
    ['summary --since after --until', ['summary', ...where, '--since', '1d', '--until', '2d'], /--since 1d is not before --until 2d/],
    ['report --since after --until', ['report', ...where, '--since', '2026-11-22', '--until', '2026-11-21'], /not before --until/],
    ['export --since after --until', ['export', ...where, '--out', path.join(tmp, 'never.avro'), '--since', 'now', '--until', '1h'], /not before --until/],
    ['replay --from 5 --end 2', ['replay', ...where, '--from', '5', '--end', '2'], /--end 2 is before --from 5/],
    ['export --format jsonl --codec snappy', ['export', ...where, '--format', 'jsonl', '--codec', 'snappy', '--out', path.join(tmp, 'x.jsonl')], /--codec applies to --format avro only/],
    ['an unknown option', ['watch', '--bogus'], /unknown option '--bogus'/],
    ['a missing option value', ['events', '--limit'], /argument missing/],
    ['an unknown command', ['nosuch'], /unknown command 'nosuch'/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, () => {
      const r = run(args);
      expectError(r, 2, 'CLI_BAD_ARGUMENT', pattern);
      assert.equal(r.stdout, '', 'nothing on stdout');
    });
  }
  it('the exported file of a refused export was not created', () => {
    assert.ok(!fs.existsSync(path.join(tmp, 'x.jsonl')));
    assert.ok(!fs.existsSync(path.join(tmp, 'never.avro')));
  });
});

describe('output paths', { timeout: 120_000 }, () => {
  it('export --out DIR, export --out /missing/x.avro, report --out DIR: PATH_UNUSABLE, exit 1 (was: a stack trace)', () => {
    const dir = path.join(tmp, 'outdir');
    fs.mkdirSync(dir, { recursive: true });
    expectError(run(['export', ...where, '--out', dir]), 1, 'PATH_UNUSABLE', /outdir is a directory/);
    expectError(run(['export', ...where, '--out', '/missing-fsfault/x.avro']), 1, 'PATH_UNUSABLE', /directory \/missing-fsfault does not exist/);
    expectError(run(['report', ...where, '--out', dir]), 1, 'PATH_UNUSABLE', /outdir is a directory/);
    expectError(run(['report', '--input', stateDir, '--out', '/missing-fsfault/r.txt']), 1, 'PATH_UNUSABLE', /does not exist/);
    assert.deepEqual(fs.readdirSync(dir), [], 'no temporary file left behind');
  });

  it('--out - writes to stdout (export jsonl and avro, report)', () => {
    const j = run(['export', ...where, '--format', 'jsonl', '--out', '-']);
    assert.equal(j.code, 0, j.stderr);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { offset: number });
    assert.ok(lines.length > 0 && lines[0]!.offset === 1);
    assert.match(j.stderr, /exported \d+ events to standard output/);
    assert.ok(!fs.existsSync(path.join(repoRoot, '-')), 'no file named -');
    const a = spawnSync(process.execPath, [cliPath, 'export', ...where, '--out', '-'], { cwd: repoRoot, timeout: TIMEOUT });
    assert.equal(a.status, 0, String(a.stderr));
    assert.equal(a.stdout.subarray(0, 4).toString('latin1'), 'Obj\x01', 'an Avro container on stdout');
    const r = run(['report', ...where, '--out', '-']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /fsfault report/);
  });

  it('zero matches say so on stderr (events, summary, export, report)', () => {
    const none = ['--since', '2000-01-01', '--until', '2000-01-02'];
    for (const args of [['events', ...where, ...none], ['events', ...where, '--fs', 'nosuchdev'], ['summary', ...where, ...none, '--json'], ['export', ...where, ...none, '--out', path.join(tmp, 'empty.avro')], ['report', ...where, ...none]]) {
      const r = run(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /no stored events match/, `${args[0]}: ${r.stderr}`);
    }
  });
});

describe('watch output', { timeout: 60_000 }, () => {
  it('a closed stdout (EPIPE) ends watch with exit 1 and OUTPUT_CLOSED (was: exit 0)', async () => {
    // Without --once: watch would run until signalled; the closed pipe alone must end it.
    const child = spawn(process.execPath, [cliPath, 'watch', '--replay', fixture, '--no-store'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.destroy(); // the reader is gone before the first event is printed
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, TIMEOUT);
      child.once('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    assert.notEqual(code, null, `watch did not end after its stdout closed: ${stderr}`);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^fsfault: error \[OUTPUT_CLOSED\]: standard output was closed \(EPIPE\)/m);
  });

  it('a listing whose reader goes away (events | head) ends quietly with exit 0', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cliPath}" events --state-dir "${stateDir}" --host ${HOST} | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8', timeout: TIMEOUT });
    assert.equal(r.stdout.trim(), '0', r.stderr);
  });

  it('control characters in kernel text are escaped in human output, kept exact in JSON', () => {
    const f = path.join(tmp, 'esc.jsonl');
    const mount = { source: 'mount', action: 'mounted', fanotify: false, readAtUs: 1795239776458300, mount: { mountId: 42, mountPoint: '/m', device: 'loop0', majorMinor: '7:0', fsType: 'ext4', fsid: '7f989716295dab43', uuid: null, options: ['rw'] } };
    const kmsg = { source: 'kmsg', record: '2,484,610886047,-;EXT4-fs error (device loop0): trigger_test_error:129: comm x: \u001b[2J\u001b[31mred\u009b1m\n', readAtUs: 1795239776458346 };
    fs.writeFileSync(f, `${JSON.stringify(mount)}\n${JSON.stringify(kmsg)}\n`);
    const dir = path.join(tmp, 'esc-store');
    const text = run(['watch', '--replay', f, '--once', '--state-dir', dir, '--host', HOST]);
    assert.equal(text.code, 0, text.stderr);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text.stdout), `raw control characters in: ${JSON.stringify(text.stdout)}`);
    assert.match(text.stdout, /\\x1b\[2J\\x1b\[31mred\\x9b1m/);
    const listed = run(['events', '--state-dir', dir, '--host', HOST]);
    assert.match(listed.stdout, /\\x1b\[31mred/);
    assert.ok(!listed.stdout.includes('\u001b'));
    const json = run(['events', '--state-dir', dir, '--host', HOST, '--json']);
    assert.ok(JSON.stringify(JSON.parse(json.stdout.trim())).includes('\\u001b[31mred'), 'JSON keeps the exact text, escaped by JSON');
    assert.equal(printable('a\tb\nc\u202ed'), 'a\\x09b\\x0ac\\u{202e}d');
  });
});

describe('error classes', () => {
  it('ENOTDIR/EACCES/EROFS/EISDIR/EADDRINUSE/EPIPE are never retried; ENOSPC, EIO and network errors are', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    for (const c of ['ENOTDIR', 'EACCES', 'EROFS', 'EISDIR', 'EADDRINUSE', 'EPERM', 'EPIPE']) assert.equal(isRetriable(errno(c)), false, c);
    for (const c of ['ENOSPC', 'EIO', 'ECONNREFUSED', 'ETIMEDOUT', 'EAGAIN']) assert.equal(isRetriable(errno(c)), true, c);
  });

  it('a connector failing with a fatal errno stops at once with CONNECTOR_FATAL naming it (no retry loop); --once ends non-zero', async () => {
    let opens = 0;
    const broken: Connector = {
      name: 'avro:/somewhere',
      async open() {
        opens++;
        throw Object.assign(new Error("ENOTDIR: not a directory, scandir '/somewhere'"), { code: 'ENOTDIR' });
      },
      async deliver() {},
      async flush() {},
      async close() {},
    };
    const codec = testCodec();
    const log = new MemoryLog(codec, { host: 'h' });
    log.append([makeEvent()]);
    const warnings: string[] = [];
    const pump = new ConnectorPump(broken, log, { schema: codec.schema, codec, host: 'h', warn: (m) => warnings.push(m) }, { batchSize: 10, retry: { initialMs: 1, maxMs: 2, maxRetries: -1 } });
    await pump.start(); // opens in the background (store first)
    await assert.rejects(pump.whenOpen(), (e: unknown) => isFsfaultError(e, 'CONNECTOR_FATAL') && /avro:\/somewhere: open failed: ENOTDIR/.test((e as Error).message));
    assert.ok(isFsfaultError(pump.error, 'CONNECTOR_FATAL'));
    await pump.stop();
    assert.equal(opens, 1, 'not retried');
    assert.equal(pump.stats.retries, 0);
  });

  it('a transient connector error is retried, each retry logged and counted', async () => {
    let opens = 0;
    const flaky: Connector = {
      name: 'flaky',
      async open() {
        if (++opens < 3) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
      async deliver() {},
      async flush() {},
      async close() {},
    };
    const codec = testCodec();
    const log = new MemoryLog(codec, { host: 'h' });
    const warnings: string[] = [];
    const pump = new ConnectorPump(flaky, log, { schema: codec.schema, codec, host: 'h', warn: (m) => warnings.push(m) }, { batchSize: 10, retry: { initialMs: 1, maxMs: 2, maxRetries: -1 } });
    await pump.start();
    await pump.whenOpen();
    await pump.stop();
    assert.equal(opens, 3);
    assert.equal(pump.stats.retries, 2, 'counted (fsfault_connector_retries_total)');
    assert.match(warnings[0]!, /connector flaky: open failed \(attempt 1\), retry in \d+ ms: ENOSPC/);
  });

  it('a fatal connector error in a watch --once run: exit 1 with CONNECTOR_FATAL naming it, at once (was: retried forever)', () => {
    // The directory passes the start-up check, but the day partition the first event needs (the
    // day of its firstSeen: a day the recording has) is a regular file: the connector's mkdir gets
    // ENOTDIR when it delivers.
    const dir = path.join(tmp, 'avro-blocked');
    fs.mkdirSync(dir, { recursive: true });
    const days = new Set(
      fs
        .readFileSync(fixture, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => new Date((JSON.parse(l) as { readAtUs: number }).readAtUs / 1000).toISOString().slice(0, 10)),
    );
    for (const d of days) fs.writeFileSync(path.join(dir, `dt=${d}`), 'not a directory');
    const r = run(['watch', '--replay', fixture, '--once', '--no-store', '--no-stdout', '--avro-dir', dir, '--host', HOST]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^fsfault: error \[CONNECTOR_FATAL\]: connector avro:\S+: deliver failed: ENOTDIR/m);
    assert.ok(!/retry in/.test(r.stderr), r.stderr);
  });
});
