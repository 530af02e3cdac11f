import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES } from '../../core/errors';
import { SUBTYPES, EVENT_KINDS } from '../../core/model/event';
import { jsonView } from '../../core/model/json-view';
import { repoRoot } from '../helpers/paths';
import { parseConfigText } from '../../core/config/load';

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('README stays in sync with the code', () => {
  it('documents every error code with its meaning, and no code that does not exist', () => {
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!] as const);
    const documented = new Map(rows.filter(([c]) => /^[A-Z]+_[A-Z_]+$/.test(c)));
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      assert.equal(documented.get(code), meaning, `README error table: ${code}`);
    }
    for (const code of documented.keys()) assert.ok(code in ERROR_CODES, `README documents unknown code ${code}`);
  });

  it('documents every JSON event field, kind and subtype', () => {
    const fields = Object.keys(jsonView({
      id: '', host: '', kind: 'ERROR', fs: { type: '', device: null, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null },
      errno: null, errnoName: null, count: 0, firstSeen: 0, lastSeen: 0, sources: [], subtypes: 0, inode: null,
      handleType: null, handle: null, path: null, plugin: null, blob: null, lost: null, death: null,
    }, 1));
    for (const f of fields) assert.ok(readme.includes(`\`${f}\``), `README does not document event field ${f}`);
    for (const k of EVENT_KINDS) assert.ok(readme.includes(`\`${k}\``), `README does not document kind ${k}`);
    for (const s of SUBTYPES) assert.ok(readme.includes(`\`${s}\``), `README does not document subtype ${s}`);
  });

  it('shows exactly two set-up commands, and the test command is npm test', () => {
    const setup = readme.split('## Set up')[1]!.split('\n## ')[0]!;
    const blocks = [...setup.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
    assert.equal(blocks.length, 2, 'two code blocks in "Set up"');
    assert.equal(blocks[0], 'npm ci && npm start');
    assert.equal(blocks[1], 'npm test');
  });

  it("the quick start's `npm start` runs the agent at once: no prepare, no node-gyp, no tsc", () => {
    // The exact README command after `npm ci` (CI runs this on its fresh clone), fed a recording so it ends.
    const r = spawnSync('npm', ['start', '--', '--replay', path.join(repoRoot, 'examples', 'ext4-trigger.jsonl'), '--once', '--no-store'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /> node bin\/fsfault\.js watch --replay /);
    assert.match(r.stdout, /ERROR +ext4:loop0 .* EUCLEAN\(117\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /node-gyp|gyp info|tsc -p/);
  });

  it('the configuration example is a valid config', () => {
    const yaml = /## Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(yaml, 'README has a yaml block under Configuration');
    const c = parseConfigText(yaml, 'README.md', { KAFKA_BROKERS: 'b:9092', KAFKA_PASSWORD: 'p', REGISTRY_PASSWORD: 'r' });
    assert.equal(c.kafka?.topic, 'fs-errors');
    assert.equal(c.avroFiles?.codec, 'deflate');
  });
});
