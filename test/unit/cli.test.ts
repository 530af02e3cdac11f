import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { fixturesDir, repoRoot } from '../helpers/paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const example = path.join(fixturesDir, 'example-basic.jsonl');
const examplePlugin = path.join(repoRoot, 'dist', 'plugins', 'example', 'index.js');

describe('fsfault CLI', () => {
  it('watch --replay --once --json prints one JSON event per line with the documented fields', () => {
    const r = runCli(['watch', '--replay', example, '--once', '--json', '--state-dir', path.join(tmp, 's1'), '--plugin', examplePlugin, '--host', 'testhost']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of events) {
      for (const f of ['kind', 'fsType', 'device', 'errno', 'count', 'firstSeen', 'lastSeen', 'offset', 'host']) assert.ok(f in e, `missing field ${f}`);
      assert.equal(e.host, 'testhost');
    }
    const kinds = events.map((e) => e.kind);
    assert.deepEqual(kinds.filter((k) => k === 'DIED').length, 1);
    assert.deepEqual(kinds.filter((k) => k === 'LOST').length, 1);
    const eio = events.find((e) => e.kind === 'ERROR' && e.errno === 5)!;
    assert.equal(eio.count, 3, 'three read_block errors merged into one event');
    assert.equal(eio.device, 'sdz1');
    assert.equal(eio.fsType, 'examplefs');
    assert.match(String(eio.firstSeen), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // Accounting: 7 errors in the file = 3 + 1 (ERROR) + DIED (1 + 2 suppressed); 12 records lost.
    const died = events.find((e) => e.kind === 'DIED')!;
    assert.equal(died.count, 3);
    assert.deepEqual(died.death, { reason: 'shutdown: log write failed', suppressed: 2 });
    assert.equal(events.find((e) => e.kind === 'LOST')!.count, 12);
  });

  it('keeps what it printed in the store under --state-dir', () => {
    const dir = path.join(tmp, 's2');
    const r = runCli(['watch', '--replay', example, '--once', '--state-dir', dir, '--plugin', examplePlugin, '--host', 'h2']);
    assert.equal(r.code, 0, r.stderr);
    const files = fs.readdirSync(dir);
    assert.ok(files.some((f) => f.startsWith('h2')), `no store file for host h2 in ${files.join(',')}`);
    const mode = fs.statSync(dir).mode & 0o777;
    assert.equal(mode, 0o700);
  });

  it('--no-store runs in memory', () => {
    const r = runCli(['watch', '--replay', example, '--once', '--json', '--no-store', '--plugin', examplePlugin]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 4);
  });

  it('schema prints the composed schema, deterministic across runs', () => {
    const a = runCli(['schema']);
    const b = runCli(['schema']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const s = JSON.parse(a.stdout) as { name: string; namespace: string };
    assert.equal(`${s.namespace}.${s.name}`, 'fsfault.Event');
    assert.match(runCli(['schema', '--fingerprint']).stdout, /^[0-9a-f]{16}\n$/);
  });

  it('validate accepts a good config and names the key of a bad one', () => {
    const good = path.join(tmp, 'good.yaml');
    fs.writeFileSync(good, 'stateDir: ${FSFAULT_TEST_DIR}\nqueue:\n  lingerMs: 50\n');
    const ok = runCli(['validate', good], { env: { FSFAULT_TEST_DIR: '/tmp/x' } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ok \(host=.*stateDir=\/tmp\/x/);
    const bad = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(bad, 'queue:\n  lingerMs: -5\n');
    const r = runCli(['validate', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^fsfault: error \[CONFIG_INVALID\]: .*key 'queue.lingerMs'.*\(got -5\)\n$/);
    assert.equal(runCli(['validate', '--replay', example]).code, 0);
  });

  it('validate without a file checks $FSFAULT_CONFIG (the default config) and loads the plugins it names', () => {
    const good = path.join(tmp, 'default.yaml');
    fs.writeFileSync(good, `plugins:\n  - ${path.join(repoRoot, 'dist', 'plugins', 'example', 'index.js')}\n`);
    const ok = runCli(['validate'], { env: { FSFAULT_CONFIG: good } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^${good}: ok \\(.*plugins=`));
    const badPlugin = path.join(tmp, 'bad-plugin.yaml');
    fs.writeFileSync(badPlugin, 'plugins:\n  - /nonexistent/fsfault-plugin.js\n');
    const r = runCli(['validate'], { env: { FSFAULT_CONFIG: badPlugin } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^fsfault: error \[PLUGIN_INVALID\]: cannot load plugin module '\/nonexistent\/fsfault-plugin.js'/);
    // watch uses the same default: a bad default config stops it with the config's own error.
    fs.writeFileSync(badPlugin, 'queue:\n  lingerMs: -5\n');
    const w = runCli(['watch', '--replay', example, '--once', '--no-store'], { env: { FSFAULT_CONFIG: badPlugin } });
    assert.equal(w.code, 2);
    assert.match(w.stderr, /CONFIG_INVALID.*bad-plugin.yaml: key 'queue.lingerMs'/);
    const none = runCli(['validate'], { env: { FSFAULT_CONFIG: '' } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^fsfault: error \[CLI_BAD_ARGUMENT\]: no config file to validate/);
  });

  it('bad arguments give one clear line and exit 2', () => {
    const r = runCli(['watch', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr.split('\n')[0]!, /^fsfault: error \[CLI_BAD_ARGUMENT\]: unknown option '--bogus'/);
    const once = runCli(['watch', '--once']);
    assert.equal(once.code, 2);
    assert.match(once.stderr, /--once needs --replay/);
    const missing = runCli(['watch', '--replay', path.join(tmp, 'nope.jsonl'), '--once', '--no-store']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /REPLAY_UNREADABLE.*nope.jsonl.*ENOENT/);
  });

  it('a bad replay line is named by file and line, and nothing is half-replayed', () => {
    const f = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(f, fs.readFileSync(example, 'utf8') + '{"source":"fanotify","fsid":"x","readAtUs":1}\n');
    const r = runCli(['watch', '--replay', f, '--once', '--json', '--no-store', '--plugin', examplePlugin]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /REPLAY_BAD_LINE.*bad.jsonl:11: field 'error' must be a number/);
  });

  it('a replay line without its read time is an error naming the line (a replay never uses its own clock)', () => {
    const f = path.join(tmp, 'untimed.jsonl');
    fs.writeFileSync(f, fs.readFileSync(example, 'utf8') + '{"source":"sysfs","device":"sdz1","fsType":"examplefs","counters":{}}\n');
    const r = runCli(['watch', '--replay', f, '--once', '--json', '--no-store', '--plugin', examplePlugin]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^fsfault: error \[REPLAY_BAD_LINE\]: .*untimed.jsonl:11: field 'readAtUs' .* is missing/);
  });

  it('replaying a recording twice, at different wall times, gives identical event times', async () => {
    // ext4-trigger: a log line, a fanotify event and a sysfs reading of one error, each with its read time.
    const rec = path.join(repoRoot, 'examples', 'ext4-trigger.jsonl');
    const times = () => {
      const r = runCli(['watch', '--replay', rec, '--once', '--json', '--no-store']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').map((l) => {
        const e = JSON.parse(l) as { kind: string; firstSeen: string; lastSeen: string };
        return `${e.kind} ${e.firstSeen} ${e.lastSeen}`;
      });
    };
    const first = times();
    await new Promise((r) => setTimeout(r, 1100));
    const second = times();
    assert.ok(first.length > 0);
    assert.deepEqual(second, first);
    // The recording was made in 2026-11; no event may carry the time of this run.
    for (const t of first) assert.match(t, /^\S+ 2026-11-21T\S+ 2026-11-21T/);
  });

  it('--help works everywhere', () => {
    for (const args of [['--help'], ['watch', '--help'], ['schema', '--help'], ['validate', '--help']]) {
      const r = runCli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Usage: fsfault/);
    }
  });
});
