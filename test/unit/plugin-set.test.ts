/**
 * One plugin set for every command: `schema --config` and `watch --config` resolve the same
 * plugins (config.plugins included) through the composition root, so the fingerprint `schema`
 * prints is the one `watch` writes into the store; `validate` loads the plugins and refuses a bad one.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSqlite } from '../../core/edges/sqlite';
import { runCli } from '../helpers/cli';
import { fixturesDir, repoRoot } from '../helpers/paths';
import { validateConfig } from '../../core/config/load';
import { resolvePlugins, schemaFor } from '../../core/container';
import { storeFile } from '../../core/store/store-layout';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-plugin-set-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const examplePlugin = path.join(repoRoot, 'dist', 'plugins', 'example', 'index.js');
const example = path.join(fixturesDir, 'example-basic.jsonl');

function configFile(name: string, plugins: string[]): { file: string; stateDir: string } {
  const stateDir = path.join(tmp, `${name}-state`);
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, `host: fp-host\nstateDir: ${stateDir}\nplugins:\n${plugins.map((p) => `  - ${p}\n`).join('')}`);
  return { file, stateDir };
}

describe('one plugin set for every command', () => {
  it('schema --config prints the fingerprint watch --config writes (config.plugins included)', () => {
    const { file, stateDir } = configFile('fp', [examplePlugin]);
    const printed = runCli(['schema', '--config', file, '--fingerprint'], { timeoutMs: 30_000 });
    assert.equal(printed.code, 0, printed.stderr);
    const bare = runCli(['schema', '--fingerprint'], { timeoutMs: 30_000 });
    assert.notEqual(printed.stdout, bare.stdout, 'the example plugin must change the schema');
    const w = runCli(['watch', '--config', file, '--replay', example, '--once', '--no-stdout', '--state-dir', stateDir], { timeoutMs: 30_000 });
    assert.equal(w.code, 0, w.stderr);
    const db = openSqlite(storeFile(stateDir, 'fp-host'), { readonly: true, fileMustExist: true });
    try {
      const used = db.prepare<{ fp: string }>('SELECT DISTINCT schema_fp AS fp FROM events').all();
      assert.deepEqual(used.map((r) => r.fp), [printed.stdout.trim()]);
    } finally {
      db.close();
    }
  });

  it('schema --plugin adds a module the way watch --plugin does', () => {
    const { file } = configFile('fp2', [examplePlugin]);
    const viaConfig = runCli(['schema', '--config', file, '--fingerprint'], { timeoutMs: 30_000 });
    const viaFlag = runCli(['schema', '--plugin', examplePlugin, '--fingerprint'], { timeoutMs: 30_000 });
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    assert.equal(viaFlag.stdout, viaConfig.stdout);
  });

  it('validate loads the configured plugins and fails on one that cannot be loaded', () => {
    const good = configFile('v-good', [examplePlugin]).file;
    const ok = runCli(['validate', good], { timeoutMs: 30_000 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /plugins=btrfs@[^,]+,example@[^,]+,ext4@[^,]+,xfs@/);
    const bad = configFile('v-bad', [path.join(tmp, 'no-such-plugin.js')]).file;
    const r = runCli(['validate', bad], { timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^fsfault: error \[PLUGIN_INVALID\]: cannot load plugin module/);
  });

  it('resolvePlugins and schemaFor agree with each other for a config', () => {
    const config = validateConfig({ plugins: [examplePlugin] }, 'test');
    const names = resolvePlugins(config).map((p) => p.meta.name);
    assert.ok(names.includes('example') && names.includes('ext4') && names.includes('xfs'), names.join(','));
    const schema = schemaFor(config);
    assert.ok(schema.text.includes('fsfault.plugins.example'), 'example blob in the schema');
  });
});
