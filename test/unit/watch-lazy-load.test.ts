/**
 * Memory (README "Memory bounds"): a `watch` without Kafka and without metrics loads neither kafkajs
 * nor prom-client (their heap would raise the whole V8 heap's headroom for nothing); with them
 * configured, they load. And bin/fsfault.js applies the heap policy (core/heap-policy.ts) unless
 * FSFAULT_HEAP_POLICY=v8.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { fixturesDir, repoRoot } from '../helpers/paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-watch-lazy-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const preload = path.join(repoRoot, 'dist', 'test', 'helpers', 'loaded-packages.js');
const replay = path.join(fixturesDir, 'example-basic.jsonl');
const plugin = path.join(repoRoot, 'dist', 'plugins', 'example', 'index.js');

function watch(extra: string[], env: NodeJS.ProcessEnv = {}): { code: number; stderr: string; packages: string[] } {
  const file = path.join(tmp, `loaded-${Math.random().toString(36).slice(2)}`);
  const state = fs.mkdtempSync(path.join(tmp, 'state-'));
  const r = runCli(['watch', '--replay', replay, '--once', '--no-stdout', '--state-dir', state, '--plugin', plugin, '--host', 'h', ...extra], {
    env: { NODE_OPTIONS: `--require ${preload}`, FSFAULT_LOADED_PACKAGES_FILE: file, FSFAULT_CONFIG: '', ...env },
  });
  return { code: r.code, stderr: r.stderr, packages: fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [] };
}

describe('watch loads what its configuration uses', () => {
  it('no Kafka, no metrics: neither kafkajs nor prom-client', () => {
    const r = watch([]);
    assert.equal(r.code, 0, r.stderr);
    for (const p of ['kafkajs', 'prom-client']) assert.ok(!r.packages.includes(p), `watch loaded ${p} (${r.packages.join(', ')})`);
    assert.ok(r.packages.includes('better-sqlite3'), 'the preload saw the store being written');
  });

  it('with --metrics: prom-client is loaded (and the run still ends)', () => {
    const r = watch(['--metrics', '127.0.0.1:0']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.packages.includes('prom-client'), r.packages.join(', '));
    assert.ok(!r.packages.includes('kafkajs'));
  });
});

describe('heap policy (core/heap-policy.ts)', () => {
  // Preloaded into the CLI process; at exit (the policy was applied by bin/fsfault.js by then) it
  // allocates objects that survive a while, as a flood does, and prints the young generation's
  // capacity: V8 grows it from its initial size unless the policy pins it.
  const probe = path.join(tmp, 'young-gen-probe.js');
  fs.writeFileSync(
    probe,
    `process.on('exit', () => {
      const keep = new Array(50000);
      for (let i = 0; i < 3e6; i++) keep[i % keep.length] = { i, s: 'x' + i };
      const y = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      process.stderr.write('YOUNG=' + y.space_size + '\\n');
    });\n`,
  );
  const young = (env: NodeJS.ProcessEnv): number => {
    const r = runCli(['--version'], { env: { NODE_OPTIONS: `--require ${probe}`, ...env } });
    assert.equal(r.code, 0, r.stderr);
    const m = /YOUNG=(\d+)/.exec(r.stderr);
    assert.ok(m, r.stderr);
    return Number(m[1]) / 1048576;
  };

  it('bin/fsfault.js applies it to every command; FSFAULT_HEAP_POLICY=v8 leaves V8 its defaults', () => {
    const policy = young({});
    const v8 = young({ FSFAULT_HEAP_POLICY: 'v8' });
    // Under the policy: 1–2 MiB on Node 20; 2 MiB on Node 24, and once in a while 3.5–4 MiB (V8 13
    // adds a few pages under load; one CI run saw 4). V8's defaults: 32 MiB (Node 20), 64 MiB (Node 24).
    assert.ok(policy <= 4, `young generation ${policy} MiB under the policy (initial 1 MiB semi-spaces)`);
    assert.ok(v8 >= 4 * policy, `V8 defaults grow the young generation (${v8} MiB vs ${policy} MiB)`);
  });
});
