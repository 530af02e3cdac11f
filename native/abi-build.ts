/**
 * Where a per-ABI native build lives: `native/build-abi<N>/` with N = `process.versions.modules`
 * (115 for Node 20, 137 for Node 24). The default builds — native/build/Release for the addon,
 * better-sqlite3's own build/Release — belong to the Node that ran `npm ci`; a second Node (CI runs
 * the suites on Node 24 too) gets its binaries from `node scripts/install-native.js --per-abi`, which
 * writes only this directory, so the two builds never overwrite each other. The addon is N-API 8
 * and would load on either Node, but better-sqlite3 is built against V8's ABI and must match.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** dist/native/abi-build.js → repository root. */
const repoRoot = path.resolve(__dirname, '..', '..');

/** native/build-abi<N>/ of the running Node. */
export function abiBuildDir(modules: string = process.versions.modules): string {
  return path.join(repoRoot, 'native', `build-abi${modules}`);
}

/** `native/build-abi<N>/<file>` when the running Node has its own build of `file`, else null. */
export function abiBuildFile(file: string): string | null {
  const p = path.join(abiBuildDir(), file);
  return fs.existsSync(p) ? p : null;
}
