/**
 * `fsfault status` loads only what it uses (CLI start-up, bench/cli-startup): with no configuration
 * file it finds the store from the built-in defaults without the YAML parser and the config schema,
 * and it reads the kept projection without avsc. The output is the same as when a configuration
 * file names the same store.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultHost, DEFAULT_STATE_DIR } from '../../core/config/config-file';
import { validateConfig } from '../../core/config/load';
import { runCli } from '../helpers/cli';
import { fixturesDir, repoRoot } from '../helpers/paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-cli-lazy-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const preload = path.join(repoRoot, 'dist', 'test', 'helpers', 'loaded-packages.js');
const examplePlugin = path.join(repoRoot, 'dist', 'plugins', 'example', 'index.js');
const stateDir = path.join(tmp, 'state');
const host = os.hostname();

/** Runs the CLI and returns its result and the npm packages it loaded. */
function run(args: string[], env: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string; packages: string[] } {
  const file = path.join(tmp, `loaded-${Math.random().toString(36).slice(2)}`);
  const r = runCli(args, { env: { ...env, NODE_OPTIONS: `--require ${preload}`, FSFAULT_LOADED_PACKAGES_FILE: file } });
  const packages = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return { ...r, packages };
}

describe('CLI start-up: status loads what it uses', () => {
  const w = runCli(['watch', '--replay', path.join(fixturesDir, 'example-basic.jsonl'), '--once', '--no-stdout', '--state-dir', stateDir, '--plugin', examplePlugin, '--host', host]);
  const config = path.join(tmp, 'config.yaml');
  fs.writeFileSync(config, `stateDir: ${stateDir}\nhost: ${host}\n`);

  it('without a configuration file: no yaml, zod, avsc, kafkajs or inversify; the store comes from the defaults', () => {
    assert.equal(w.code, 0, w.stderr);
    for (const json of [[], ['--json']]) {
      const bare = run(['status', '--state-dir', stateDir, ...json], { FSFAULT_CONFIG: '' });
      assert.equal(bare.code, 0, bare.stderr);
      for (const p of ['yaml', 'zod', 'avsc', 'kafkajs', 'inversify']) assert.ok(!bare.packages.includes(p), `status loaded ${p} (${bare.packages.join(', ')})`);
      assert.ok(bare.packages.includes('better-sqlite3'), 'the preload saw the store being read');
      // The same store named by a configuration file: the same output (that path parses YAML).
      const viaFile = run(['status', ...json], { FSFAULT_CONFIG: config });
      assert.equal(viaFile.code, 0, viaFile.stderr);
      assert.ok(viaFile.packages.includes('yaml'));
      assert.equal(bare.stdout, viaFile.stdout);
      assert.match(bare.stdout, /sdz1/);
    }
  });

  it('the built-in defaults status uses are the configuration schema defaults', () => {
    const c = validateConfig({});
    assert.equal(DEFAULT_STATE_DIR, c.stateDir);
    assert.equal(defaultHost(), c.host);
  });
});
