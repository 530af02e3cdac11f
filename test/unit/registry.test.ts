import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PluginRegistry } from '../../core/plugins/registry';
import { satisfies } from '../../core/edges/semver';
import { examplePlugin } from '../../plugins/example';
import { isFsfaultError, type ErrorCode } from '../../core/errors';
import type { FsPlugin } from '../../core/plugin-api';

const withMeta = (over: Partial<FsPlugin['meta']>, blobName?: string): FsPlugin => ({
  ...examplePlugin,
  meta: { ...examplePlugin.meta, ...over },
  blobSchema: blobName ? { ...examplePlugin.blobSchema, name: blobName } : examplePlugin.blobSchema,
}) as FsPlugin;

const code = (c: ErrorCode) => (e: unknown) => isFsfaultError(e, c);

describe('plugin registry', () => {
  it('registers and looks up by name and filesystem type', () => {
    const r = new PluginRegistry([examplePlugin]);
    assert.equal(r.get('example'), examplePlugin);
    assert.equal(r.forFsType('examplefs'), examplePlugin);
    assert.deepEqual(r.fsTypes(), ['examplefs']);
  });

  it('rejects duplicate names, duplicate filesystem types and incompatible API ranges with typed codes', () => {
    assert.throws(() => new PluginRegistry([examplePlugin, withMeta({ fsTypes: ['other'] })]), code('PLUGIN_DUPLICATE_NAME'));
    assert.throws(
      () => new PluginRegistry([examplePlugin, withMeta({ name: 'other' }, 'fsfault.plugins.other.B')]),
      (e: unknown) => code('PLUGIN_DUPLICATE_FSTYPE')(e) && /'example' and 'other' both claim filesystem type 'examplefs'/.test((e as Error).message),
    );
    assert.throws(() => new PluginRegistry([withMeta({ coreApi: '^2.0.0' })]), code('PLUGIN_API_INCOMPATIBLE'));
    assert.throws(() => new PluginRegistry([withMeta({ coreApi: 'banana' })]), code('PLUGIN_INVALID'));
    assert.throws(() => new PluginRegistry([withMeta({ name: 'Bad Name' })]), code('PLUGIN_INVALID'));
    assert.throws(() => new PluginRegistry([{ ...examplePlugin, merge: undefined } as unknown as FsPlugin]), code('PLUGIN_INVALID'));
  });

  it('understands the semver ranges plugins use', () => {
    for (const [r, ok] of [
      ['^1.0.0', true], ['^1.1.0', false], ['~1.0.0', true], ['1.x', true], ['2.x', false], ['*', true],
      ['>=1.0.0 <2.0.0', true], ['>=1.0.1', false], ['^0.9.0 || ^1.0.0', true], ['1.0.0', true],
    ] as const) {
      assert.equal(satisfies('1.0.0', r), ok, r);
    }
  });
});
