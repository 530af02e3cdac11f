import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isFsfaultError } from '../../core/errors';
import { DEFAULT_ADDON_PATHS, loadNative } from '../../native/index';
import { repoRoot } from '../helpers/paths';

test('loadNative names every path it looked in and how to build when the addon is missing', () => {
  const missing = ['/nonexistent/a/fsfault_native.node', '/nonexistent/b/fsfault_native.node'];
  assert.throws(
    () => loadNative(missing),
    (e: unknown) => {
      assert.ok(isFsfaultError(e, 'NATIVE_MISSING'), `expected NATIVE_MISSING, got ${String(e)}`);
      assert.match(e.message, /fsfault native addon is not built/);
      for (const p of missing) assert.ok(e.message.includes(p), `message names ${p}`);
      assert.match(e.message, /npm run build:native/);
      assert.deepEqual(e.details.searchPaths, missing);
      return true;
    },
  );
});

test('loadNative reports a file that exists but is not an addon as NATIVE_MISSING with the cause', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-loader-'));
  try {
    const notAddon = path.join(dir, 'fsfault_native.node');
    fs.writeFileSync(notAddon, 'not an ELF file');
    assert.throws(
      () => loadNative([path.join(dir, 'missing.node'), notAddon]),
      (e: unknown) => isFsfaultError(e, 'NATIVE_MISSING') && e.message.includes(notAddon) && e.message.includes('cannot be loaded') && e.cause !== undefined,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the default search order is the running Node\'s per-ABI build, then build/Release, then build/Debug under the repository root', () => {
  // scripts/native-sanitize.sh puts its sanitized addon first through FSFAULT_NATIVE_ADDON.
  const explicit = process.env.FSFAULT_NATIVE_ADDON ? [path.resolve(process.env.FSFAULT_NATIVE_ADDON)] : [];
  assert.deepEqual(DEFAULT_ADDON_PATHS, [
    ...explicit,
    path.join(repoRoot, 'native', `build-abi${process.versions.modules}`, 'fsfault_native.node'),
    path.join(repoRoot, 'native', 'build', 'Release', 'fsfault_native.node'),
    path.join(repoRoot, 'native', 'build', 'Debug', 'fsfault_native.node'),
  ]);
});

test('the built addon loads and exports the contract', () => {
  const b = loadNative();
  for (const fn of ['statfsFsid', 'nameToHandle', 'resolveHandle', 'xfsFsGeometry', 'xfsAgGeometry', 'xfsBulkstatHealth', 'parseKmsgForTest', 'Watcher']) {
    assert.equal(typeof (b as unknown as Record<string, unknown>)[fn], 'function', fn);
  }
});
