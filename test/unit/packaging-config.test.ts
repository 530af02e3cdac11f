/**
 * /etc/fsfault/config.yaml as packaged (packaging/config.yaml): as shipped, every line commented,
 * it is the built-in defaults; uncommented it is a valid config that shows every key of the schema
 * (top level and one level down) — so the example stays complete when a key is added.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { parseConfigText, validateConfig } from '../../core/config/load';
import { Config } from '../../core/config/schema';
import { repoRoot } from '../helpers/paths';

const text = fs.readFileSync(path.join(repoRoot, 'packaging', 'config.yaml'), 'utf8');
const ENV = { KAFKA_BROKERS: 'b:9092', KAFKA_PASSWORD: 'p', REGISTRY_PASSWORD: 'r' };

/** The object schema inside optional/default wrappers. */
function shape(t: unknown): Record<string, unknown> | null {
  let cur = t as { _def?: { innerType?: unknown; schema?: unknown }; shape?: Record<string, unknown> };
  for (let i = 0; i < 5 && cur; i++) {
    if (cur.shape && typeof cur.shape === 'object') return cur.shape;
    cur = (cur._def?.innerType ?? cur._def?.schema) as typeof cur;
  }
  return null;
}

describe('packaged config file', () => {
  it('as shipped (all commented) is the defaults', () => {
    assert.deepEqual(parseConfigText(text, 'config.yaml', ENV), validateConfig({}));
  });

  it('uncommented, it is valid and shows every key of the schema', () => {
    const body = text.split('\n').filter((l) => l.startsWith('# ') || l === '#').map((l) => l.replace(/^# ?/, ''));
    const yaml = body.slice(body.findIndex((l) => /^host:/.test(l))).join('\n');
    parseConfigText(yaml, 'config.yaml (uncommented)', ENV);
    const raw = YAML.parse(yaml) as Record<string, unknown>;
    const top = shape(Config)!;
    for (const [k, t] of Object.entries(top)) {
      assert.ok(k in raw, `config.yaml shows '${k}'`);
      const inner = shape(t);
      if (inner && raw[k] && typeof raw[k] === 'object') {
        for (const k2 of Object.keys(inner)) assert.ok(k2 in (raw[k] as object), `config.yaml shows '${k}.${k2}'`);
      }
    }
  });
});
