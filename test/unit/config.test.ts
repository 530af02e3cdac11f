import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, parseConfigText, validateConfig } from '../../core/config/load';
import { isFsfaultError } from '../../core/errors';

describe('config', () => {
  it('has defaults for everything', () => {
    const c = validateConfig({});
    assert.equal(c.stateDir, '/var/lib/fsfault');
    assert.equal(c.store.enabled, true);
    assert.equal(c.queue.budgetBytes, 8 * 1024 * 1024);
    assert.equal(c.kafka, undefined);
  });

  it('interpolates ${ENV} and ${ENV:-default}', () => {
    const c = parseConfigText('stateDir: ${STATE}/x\nhost: ${HOSTX:-fallback}\nkafka:\n  brokers: ["${BROKER}"]\n', 't.yaml', { STATE: '/tmp/s', BROKER: '127.0.0.1:9092' });
    assert.equal(c.stateDir, '/tmp/s/x');
    assert.equal(c.host, 'fallback');
    assert.deepEqual(c.kafka?.brokers, ['127.0.0.1:9092']);
    assert.equal(c.kafka?.topic, 'fs-errors');
  });

  it('names the unset variable and the key that uses it', () => {
    assert.throws(
      () => interpolate({ kafka: { sasl: { password: '${SECRET}' } } }, {}),
      (e: unknown) => isFsfaultError(e, 'CONFIG_ENV_MISSING') && /'kafka.sasl.password' references \$\{SECRET\}/.test((e as Error).message),
    );
  });

  it('names the offending key and value', () => {
    assert.throws(
      () => parseConfigText('queue:\n  budgetBytes: 12\n', 'c.yaml', {}),
      (e: unknown) => isFsfaultError(e, 'CONFIG_INVALID') && /c.yaml: key 'queue.budgetBytes'.*\(got 12\)/.test((e as Error).message),
    );
    assert.throws(
      () => parseConfigText('store:\n  durablity: full\n', 'c.yaml', {}),
      (e: unknown) => isFsfaultError(e, 'CONFIG_INVALID') && /unknown key\(s\) 'durablity'/.test((e as Error).message),
    );
    assert.throws(() => parseConfigText('a: [1,\n', 'c.yaml', {}), (e: unknown) => isFsfaultError(e, 'CONFIG_UNREADABLE'));
  });
});

test('a YAML warning (unknown tag or directive) is a one-line CONFIG_UNREADABLE, nothing printed', () => {
  const emit = process.emitWarning;
  const printed: unknown[] = [];
  process.emitWarning = ((w: unknown) => printed.push(w)) as typeof process.emitWarning;
  try {
    for (const text of ['host: !weird a\n', '%FOO bar\n---\nhost: a\n']) {
      assert.throws(
        () => parseConfigText(text, 'c.yaml', {}),
        (e: unknown) => isFsfaultError(e, 'CONFIG_UNREADABLE') && /^c\.yaml: not valid YAML: [^\n]+$/.test((e as Error).message),
        text,
      );
    }
  } finally {
    process.emitWarning = emit;
  }
  assert.deepEqual(printed, []);
});
