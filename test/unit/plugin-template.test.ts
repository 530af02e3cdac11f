/**
 * The out-of-tree plugin template (examples/plugin-template) as its author uses it: a copy outside
 * this repository with fsfault installed as a package (here a symlink to this checkout standing in
 * for the packed tarball), the conformance kit run by its own `node --test` through the public entry
 * points only, and the plugin loaded by `fsfault watch --plugin <package dir>` over its replay.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { repoRoot } from '../helpers/paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-template-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const pkg = path.join(tmp, 'fsfault-plugin-demofs');
fs.cpSync(path.join(repoRoot, 'examples', 'plugin-template'), pkg, { recursive: true });
fs.mkdirSync(path.join(pkg, 'node_modules'));
fs.symlinkSync(repoRoot, path.join(pkg, 'node_modules', 'fsfault'), 'dir');

describe('out-of-tree plugin template', () => {
  it('its own test runs the conformance kit from fsfault/plugin-kit and passes', () => {
    // A child `node --test` under this test runner reports to it unless NODE_TEST_CONTEXT is cleared.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    // The template's own `npm test` command line, run by the shell as npm would, on this test's Node
    // (Node 20 takes `--test <dir>`, Node 22+ takes only files or globs: the shell expands the glob).
    const script = (JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { scripts: { test: string } }).scripts.test;
    env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`;
    const r = spawnSync('sh', ['-c', script], { cwd: pkg, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    // TAP (Node 20's default off a terminal) or spec (Node 24's).
    assert.match(r.stdout, /(# |ℹ )pass [1-9]/);
    assert.match(r.stdout, /(# |ℹ )fail 0/);
  });

  it('fsfault watch --plugin <package> loads it over its replay: merged ERRORs, one DIED', () => {
    const r = runCli(['watch', '--plugin', pkg, '--replay', path.join(pkg, 'fixtures', 'demofs-basic.jsonl'), '--once', '--json', '--no-store'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; count: number; plugin: string; death: unknown });
    assert.deepEqual(events.map((e) => [e.kind, e.count]), [['ERROR', 2], ['ERROR', 1], ['DIED', 2]]);
    assert.ok(events.every((e) => e.plugin === 'demofs'));
  });
});
