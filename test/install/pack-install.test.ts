/**
 * The npm package installs and runs on a machine that has Node, its headers and a compiler, and
 * reaches only the package registry: `npm pack` → `npm install -g` into a temporary prefix, with a
 * user config that has NO nodedir (the clone's .npmrc is not in the tarball) and an empty home
 * (no node-gyp header cache) → `fsfault --version`, `doctor --json`, a replay.
 * Then the Debian package built from that installed tree (packaging/deb/build-deb.sh): `dpkg -i`,
 * `fsfault doctor`, remove (state and config kept), purge (both gone), as Debian policy says.
 * And the out-of-tree plugin template (examples/plugin-template) installs that same tarball as its
 * `fsfault` dependency, runs the conformance kit on its fixtures and is loaded by
 * `fsfault watch --plugin <package>` over its replay.
 * Slow (it compiles better-sqlite3) and it installs a system package: it lives outside test/unit.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/paths';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 20 * 60_000, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-pack-'));
const prefix = path.join(tmp, 'prefix');
let installed = false;
let tarball = '';
let installEnv: NodeJS.ProcessEnv = {};
const savedState = `/var/lib/fsfault.saved-by-test-${process.pid}`;

describe('npm package and Debian package', () => {
  after(() => {
    spawnSync('dpkg', ['--purge', 'fsfault'], { encoding: 'utf8' });
    if (fs.existsSync(savedState) && !fs.existsSync('/var/lib/fsfault')) fs.renameSync(savedState, '/var/lib/fsfault');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('packs dist/ and the addon sources, installs offline-from-the-internet into a fresh prefix, and runs', () => {
    {
      const home = path.join(tmp, 'home');
      fs.mkdirSync(home);
      // The registry settings of this machine, but no nodedir: a fresh host has none.
      const userNpmrc = path.join(os.homedir(), '.npmrc');
      const keep = fs.existsSync(userNpmrc) ? fs.readFileSync(userNpmrc, 'utf8').split('\n').filter((l) => !/^\s*nodedir\s*=/.test(l)) : [];
      fs.writeFileSync(path.join(home, '.npmrc'), keep.join('\n'));
      // This environment minus npm's own variables (under `npm test` they carry the clone's nodedir).
      const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
      Object.assign(env, { HOME: home, npm_config_userconfig: path.join(home, '.npmrc'), npm_config_cache: path.join(home, '.npm'), FSFAULT_CONFIG: '' });

      const pack = run('npm', ['pack', '--pack-destination', tmp, '--json'], env);
      assert.equal(pack.code, 0, pack.stderr);
      const info = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
      const files = info.files.map((f) => f.path);
      for (const f of ['dist/core/cli/main.js', 'bin/fsfault.js', 'native/binding.gyp', 'native/src/addon.cc', 'scripts/install-native.js', 'package.json']) {
        assert.ok(files.includes(f), `tarball has ${f}`);
      }
      assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.endsWith('.map')), 'no tests or source maps in the tarball');

      tarball = path.join(tmp, info.filename);
      installEnv = env;
      const inst = run('npm', ['install', '-g', '--prefix', prefix, '--no-fund', '--no-audit', tarball], env, tmp);
      assert.equal(inst.code, 0, `npm install failed:\n${inst.stdout}\n${inst.stderr}`);
      assert.doesNotMatch(inst.stdout + inst.stderr, /nodejs\.org\/download|headers\.tar/, 'no header download');

      const bin = path.join(prefix, 'bin', 'fsfault');
      const version = run(bin, ['--version'], env, tmp);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
      const doctor = run(bin, ['doctor', '--json'], env, tmp);
      const report = JSON.parse(doctor.stdout) as { checks: { name: string; status: string }[] };
      assert.ok(report.checks.length > 3, doctor.stdout);
      assert.doesNotMatch(doctor.stdout, /NATIVE_MISSING/);
      const replay = run(bin, ['watch', '--replay', path.join(repoRoot, 'examples', 'ext4-trigger.jsonl'), '--once', '--state-dir', path.join(tmp, 'state')], env, tmp);
      assert.equal(replay.code, 0, replay.stderr);
      assert.match(replay.stdout, /ERROR +ext4:loop0 .* EUCLEAN\(117\)/);
      assert.ok(fs.existsSync(path.join(tmp, 'state')), 'the store (better-sqlite3, built at install) was written');
      installed = true;
    }
  });

  it('the plugin template installs the packed tarball, passes the conformance kit, and loads with watch --plugin <package>', () => {
    assert.ok(installed, 'needs the npm install above');
    // The template names the tarball as `file:../../fsfault-<version>.tgz` (next to the repository
    // root after `npm pack`): copied to <tmp>/examples/plugin-template that is the one packed above.
    const pkg = path.join(tmp, 'examples', 'plugin-template');
    fs.cpSync(path.join(repoRoot, 'examples', 'plugin-template'), pkg, { recursive: true });
    const spec = (JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.fsfault;
    assert.equal(path.resolve(pkg, spec!.replace(/^file:/, '')), tarball, 'the template depends on the packed tarball');
    // npm installs the tarball and its dependencies (from the cache the install above filled; no
    // network beyond the registry). Its install scripts would compile the addon and better-sqlite3
    // a second time from the same sources: the builds of the install above are reused instead.
    const inst = run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-fund', '--no-audit'], installEnv, pkg);
    assert.equal(inst.code, 0, `npm install in the template failed:\n${inst.stdout}\n${inst.stderr}`);
    const mod = path.join(pkg, 'node_modules', 'fsfault');
    assert.ok(!fs.lstatSync(mod).isSymbolicLink(), 'a real install, not a link to the checkout');
    const built = path.join(prefix, 'lib', 'node_modules', 'fsfault');
    fs.cpSync(path.join(built, 'native', 'build'), path.join(mod, 'native', 'build'), { recursive: true });
    const sqlite = (dir: string) => [path.join(dir, 'node_modules', 'better-sqlite3'), path.join(path.dirname(dir), 'better-sqlite3')].find((d) => fs.existsSync(d))!;
    fs.cpSync(path.join(sqlite(built), 'build'), path.join(sqlite(mod), 'build'), { recursive: true });

    // Its own test: the conformance kit from fsfault/plugin-kit over its fixtures.
    const env = { ...installEnv };
    delete env.NODE_TEST_CONTEXT;
    // The template's own `npm test` command line, run by the shell as npm would, on this Node.
    const script = (JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { scripts: { test: string } }).scripts.test;
    env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`;
    const kit = run('sh', ['-c', script], env, pkg);
    assert.equal(kit.code, 0, `${kit.stdout}\n${kit.stderr}`);
    assert.match(kit.stdout, /(# |ℹ )pass [1-9]/);
    assert.match(kit.stdout, /(# |ℹ )fail 0/);

    // The installed CLI loads the plugin by its package directory over the template's replay.
    const bin = path.join(pkg, 'node_modules', '.bin', 'fsfault');
    const w = run(bin, ['watch', '--plugin', pkg, '--replay', path.join(pkg, 'fixtures', 'demofs-basic.jsonl'), '--once', '--json', '--no-store'], env, pkg);
    assert.equal(w.code, 0, w.stderr);
    const events = w.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; count: number; plugin: string });
    assert.deepEqual(events.map((e) => [e.kind, e.count]), [['ERROR', 2], ['ERROR', 1], ['DIED', 2]]);
    assert.ok(events.every((e) => e.plugin === 'demofs'));
  });

  it('the .deb installs (user, state dir, conffile, unit), runs doctor, keeps state on remove and drops it on purge', () => {
    assert.ok(installed, 'needs the npm install above');
    const env = { ...process.env, FSFAULT_CONFIG: undefined };
    const build = run('bash', [path.join(repoRoot, 'packaging', 'deb', 'build-deb.sh'), '--from', path.join(prefix, 'lib', 'node_modules', 'fsfault'), '--out', tmp], env);
    assert.equal(build.code, 0, build.stderr);
    const deb = build.stdout.trim();
    const contents = run('dpkg-deb', ['--contents', deb], env).stdout;
    for (const f of ['./usr/bin/fsfault -> ../lib/fsfault/bin/fsfault.js', './etc/fsfault/config.yaml', './lib/systemd/system/fsfault.service', './usr/lib/fsfault/native/build/Release/fsfault_native.node']) {
      assert.ok(contents.includes(f), `the .deb holds ${f}`);
    }
    assert.match(run('dpkg-deb', ['-I', deb, 'conffiles'], env).stdout, /^\/etc\/fsfault\/config\.yaml$/m);

    // A store a previous watch left in /var/lib/fsfault is moved aside (purge deletes the directory) and restored in after().
    if (fs.existsSync('/var/lib/fsfault')) fs.renameSync('/var/lib/fsfault', savedState);
    const inst = run('dpkg', ['-i', deb], env);
    assert.equal(inst.code, 0, inst.stdout + inst.stderr);
    assert.match(run('getent', ['passwd', 'fsfault'], env).stdout, /^fsfault:/, 'system user');
    const st = fs.statSync('/var/lib/fsfault');
    assert.equal(st.uid, Number(run('id', ['-u', 'fsfault'], env).stdout.trim()), '/var/lib/fsfault belongs to fsfault');
    assert.equal(run('/usr/bin/fsfault', ['--version'], env).code, 0);
    const doctor = run('/usr/bin/fsfault', ['doctor', '--json'], env);
    assert.ok((JSON.parse(doctor.stdout) as { checks: unknown[] }).checks.length > 3, doctor.stdout + doctor.stderr);
    // The packaged config is the default config, and it validates.
    const v = run('/usr/bin/fsfault', ['validate'], env);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^\/etc\/fsfault\/config\.yaml: ok/);

    fs.writeFileSync('/var/lib/fsfault/keep-me', 'state');
    fs.appendFileSync('/etc/fsfault/config.yaml', '\n# edited by the admin\n');
    const rm = run('dpkg', ['--remove', 'fsfault'], env);
    assert.equal(rm.code, 0, rm.stdout + rm.stderr);
    assert.ok(!fs.existsSync('/usr/bin/fsfault') && !fs.existsSync('/usr/lib/fsfault'), 'program removed');
    assert.ok(fs.existsSync('/var/lib/fsfault/keep-me'), 'state kept on remove');
    assert.match(fs.readFileSync('/etc/fsfault/config.yaml', 'utf8'), /edited by the admin/, 'conffile kept on remove');
    const purge = run('dpkg', ['--purge', 'fsfault'], env);
    assert.equal(purge.code, 0, purge.stdout + purge.stderr);
    assert.ok(!fs.existsSync('/var/lib/fsfault'), 'state dropped on purge');
    assert.ok(!fs.existsSync('/etc/fsfault'), 'config dropped on purge');
  });
});
