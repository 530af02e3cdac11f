/**
 * The README's fleet query over the Avro lake, run by DuckDB with its Avro extension (PyPI wheels,
 * offline): a lake written by the real CLI for three hosts (`watch --replay --once --avro-dir`)
 * answers, per host and filesystem, the same errors and deaths as each host's `fsfault status`.
 * Missing duckdb / duckdb-extension-avro fails the test with the install line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { fixturesDir, repoRoot } from '../helpers/paths';
import type { FsHealth } from '../../core/projections/fs-health';

function pythonWithDuckdb(): string {
  for (const py of [process.env.FSFAULT_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c))) {
    if (spawnSync(py, ['-c', 'import duckdb, duckdb_extension_avro'], { encoding: 'utf8' }).status === 0) return py;
  }
  throw new Error('no Python imports duckdb + duckdb_extension_avro; install: python3 -m pip install duckdb==1.5.5 duckdb-extension-avro==1.5.5');
}

test('fleet query over the Avro lake with DuckDB equals every host\'s status', { timeout: 180_000 }, () => {
  const py = pythonWithDuckdb();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-lake-'));
  try {
    const lake = path.join(dir, 'lake');
    const hosts = ['web-1', 'web-2', 'db-1'];
    const fixtures = [['ext4-journal-eio', 'xfs-eio'], ['ext4-ltp22'], ['xfs-shutdown', 'ext4-abort']];
    const status = new Map<string, FsHealth[]>();
    hosts.forEach((host, i) => {
      const stateDir = path.join(dir, host);
      fs.mkdirSync(stateDir, { mode: 0o700 });
      for (const fx of fixtures[i]!) {
        const r = runCli(['watch', '--replay', path.join(fixturesDir, `${fx}.jsonl`), '--once', '--host', host, '--state-dir', stateDir, '--avro-dir', lake, '--no-stdout']);
        assert.equal(r.code, 0, r.stderr);
      }
      const s = runCli(['status', '--json', '--host', host, '--state-dir', stateDir]);
      assert.equal(s.code, 0, s.stderr);
      status.set(host, (JSON.parse(s.stdout) as { filesystems: FsHealth[] }).filesystems);
    });
    const q = spawnSync(py, [path.join(repoRoot, 'examples', 'fleet-lake.py'), lake, '--json'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(q.status, 0, q.stderr);
    const rows = JSON.parse(q.stdout) as { host: string; device: string; errors: number; deaths: number; days: number }[];
    const expected = [...status].flatMap(([host, fss]) => fss.filter((h) => h.errors > 0).map((h) => ({ host, device: h.key, errors: h.errors, deaths: h.deaths })));
    const got = rows.map((r) => ({ host: r.host, device: r.device, errors: Number(r.errors), deaths: Number(r.deaths) }));
    const order = (a: { host: string; device: string }, b: { host: string; device: string }) => `${a.host}/${a.device}`.localeCompare(`${b.host}/${b.device}`);
    assert.ok(expected.length >= 3);
    assert.deepEqual(got.sort(order), expected.sort(order));
    assert.ok(rows.every((r) => r.days >= 1));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
