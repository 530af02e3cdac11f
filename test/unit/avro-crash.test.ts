/**
 * Crash safety with real processes: a child pumps a SQLite store into the Avro connector and is
 * SIGKILLed at random points (mid-block, mid-file, around renames); after a final clean run every
 * stored event is in exactly one complete file and no temporary file is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventCodec } from '../../core/schema/codec';
import { SqliteStore } from '../../core/store/sqlite-store';
import { scanHost } from '../../core/avro/layout';
import { OcfReader } from '../../core/avro/ocf-reader';
import { testSchema } from './helpers-avro/fixtures';

const child = path.join(__dirname, 'helpers-avro', 'crash-child.js');
const N = 1500;

/** Run the child until it printed `lines` progress lines, then SIGKILL it. Resolves false if it finished first. */
function runAndKill(stateDir: string, avroDir: string, lines: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, 'run', stateDir, avroDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let killed = false;
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.on('data', (d: Buffer) => {
      seen += d.toString().split('\n').filter((l) => l.startsWith('read ')).length;
      if (!killed && seen >= lines) {
        killed = true;
        p.kill('SIGKILL');
      }
    });
    p.on('exit', (code, sig) => {
      if (killed && sig === 'SIGKILL') resolve(true);
      else if (code === 0) resolve(false);
      else reject(new Error(`child failed (${code ?? sig}): ${err}`));
    });
  });
}

test('SIGKILL mid-file, restart: no event missing, none in two files', { timeout: 120_000 }, async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-avro-crash-state-'));
  const avroDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-avro-crash-out-'));
  const fill = spawnSync(process.execPath, [child, 'fill', stateDir, String(N)], { encoding: 'utf8' });
  assert.equal(fill.status, 0, fill.stderr);

  let kills = 0;
  for (const at of [3, 9, 17, 26, 41, 55, 70]) {
    if (await runAndKill(stateDir, avroDir, at)) kills++;
  }
  assert.ok(kills >= 5, `expected the child to be killed mid-run at least 5 times, got ${kills}`);
  assert.ok(scanHost(avroDir, 'crash-host').tmpFiles.length >= 1, 'the last kill should leave a temporary file behind');
  assert.equal(await runAndKill(stateDir, avroDir, Infinity), false);

  const scan = scanHost(avroDir, 'crash-host');
  assert.deepEqual(scan.tmpFiles, []);
  const codec = new EventCodec(testSchema());
  const store = SqliteStore.open({ stateDir, host: 'crash-host', readOnly: true, codec });
  const want = store.readAfter(0, N + 10).map((r) => r.event.id);
  store.close();
  assert.equal(want.length, N);
  const got: string[] = [];
  for (const f of scan.files) {
    const r = OcfReader.open(f.path);
    const ids = [...r.records()].map((x) => (x as { id: string }).id);
    r.close();
    assert.equal(ids.length, f.last - f.first + 1, `${f.path}: record count matches its name`);
    got.push(...ids);
  }
  assert.equal(new Set(got).size, got.length, 'an event appears in two files');
  assert.deepEqual(got, want);
});
