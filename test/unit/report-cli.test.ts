/**
 * `report` and `export` end to end on a real SQLite store and real Avro files: the store, files
 * from the connector and from export give the same report; damaged files are warnings naming file
 * and byte while the rest is still reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AvroFilesConfig } from '../../core/config/schema';
import { EventCodec } from '../../core/schema/codec';
import { SqliteStore } from '../../core/store/sqlite-store';
import { runReport } from '../../core/cli/commands/report';
import { exportEvents } from '../../core/cli/commands/export';
import { createAvroFileConnector } from '../../connectors/avro-file/connector';
import { scanHost } from '../../core/avro/layout';
import { OcfReader } from '../../core/avro/ocf-reader';
import { testSchema, pump } from './helpers-avro/fixtures';
import { fleetEvents, FLEET } from './helpers-avro/fleet';
import { captureIo } from './helpers-avro/cli-io';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `fsfault-${p}-`));
const codec = new EventCodec(testSchema());

function makeStore(): { stateDir: string; host: string } {
  const stateDir = tmp('report-state');
  const s = SqliteStore.open({ stateDir, host: 'host-a', codec, durability: 'off' });
  s.append(fleetEvents());
  s.close();
  return { stateDir, host: 'host-a' };
}

async function reportJson(input: string[], extra: Record<string, string> = {}) {
  const io = captureIo();
  const code = await runReport({ input, format: 'json', ...extra }, io);
  return { code, model: JSON.parse(io.outText()), err: io.errText() };
}

test('report from the store, from connector files and from an export agree', async () => {
  const { stateDir, host } = makeStore();
  const fromStore = await reportJson([stateDir]);
  assert.equal(fromStore.code, 0);
  assert.equal(fromStore.model.totals.errors, FLEET.errors);
  assert.equal(fromStore.model.totals.lost, FLEET.lost);
  assert.equal(fromStore.model.inputs[0].kind, 'store');

  const store = SqliteStore.open({ stateDir, host, codec, durability: 'off' });
  const dir = tmp('report-avro');
  const c = createAvroFileConnector(AvroFilesConfig.parse({ dir, codec: 'snappy', blockEvents: 7 }));
  await pump(c, { schema: codec.schema, codec, log: store, committed: 0, host, warn: () => {} });
  await c.close();
  const exported = path.join(tmp('report-export'), 'all.avro');
  const io = captureIo();
  assert.equal(await exportEvents(store, codec, { out: exported, codec: 'null' }, io), FLEET.events);
  store.close();
  assert.match(io.errText(), new RegExp(`^fsfault: exported ${FLEET.events} events to .*all\\.avro\n$`)); // not a TTY: one plain line

  const fromFiles = await reportJson([dir]);
  const fromExport = await reportJson([exported]);
  for (const r of [fromFiles, fromExport]) {
    assert.equal(r.code, 0, r.err);
    for (const k of ['totals', 'byHost', 'byFilesystem', 'byErrno', 'bySubtype', 'ext4', 'xfs', 'timeline', 'deaths', 'losses', 'rising']) {
      assert.deepEqual(r.model[k], fromStore.model[k], k);
    }
  }
  // Overlapping inputs (an export and the store it came from): every event counts once, and the
  // report says how many were held twice.
  const both = await reportJson([dir, exported]);
  assert.equal(both.model.totals.errors, FLEET.errors);
  assert.equal(both.model.totals.events, FLEET.events);
  // The connector's files (one per event day: dt is the day the events happened) come first.
  type In = { input: string; events: number; duplicates: number };
  const files = both.model.inputs.filter((i: In) => i.input !== exported);
  assert.equal(files.reduce((a: number, i: In) => a + i.events, 0), FLEET.events);
  assert.ok(files.every((i: In) => i.duplicates === 0));
  assert.deepEqual(both.model.inputs.filter((i: In) => i.input === exported).map((i: In) => [i.events, i.duplicates]), [[0, FLEET.events]]);
  assert.ok(both.model.warnings.includes(`${FLEET.events} event(s) held by more than one input were counted once`));
});

test('a truncated or corrupt file is a warning naming file and byte; the other files are reported', async () => {
  const { stateDir, host } = makeStore();
  const store = SqliteStore.open({ stateDir, host, readOnly: true });
  const dir = tmp('report-bad');
  const good = path.join(dir, 'good.avro');
  await exportEvents(store, codec, { out: good, codec: 'deflate' }, captureIo());
  store.close();
  // Several blocks so the damage sits after some intact records.
  const blocksFile = path.join(dir, 'blocks.avro');
  const s2 = SqliteStore.open({ stateDir, host, codec, durability: 'off' });
  const c = createAvroFileConnector(AvroFilesConfig.parse({ dir: path.join(dir, 'conn'), codec: 'deflate', blockEvents: 5 }));
  await pump(c, { schema: codec.schema, codec, log: s2, committed: 0, host, warn: () => {} });
  await c.close();
  s2.close();
  fs.copyFileSync(scanHost(path.join(dir, 'conn'), host).files[0]!.path, blocksFile);
  fs.rmSync(path.join(dir, 'conn'), { recursive: true });
  const bytes = fs.readFileSync(blocksFile);
  const r = OcfReader.open(blocksFile);
  const third = [...r.blocks()][2]!.offset;
  r.close();
  const truncated = path.join(dir, 'truncated.avro');
  fs.writeFileSync(truncated, bytes.subarray(0, third + 9));
  const garbage = path.join(dir, 'garbage.avro');
  fs.writeFileSync(garbage, 'this is not avro');
  fs.rmSync(blocksFile);

  const res = await reportJson([dir]);
  assert.equal(res.code, 1);
  // The truncated file's intact blocks repeat events of the good file: read, and counted once.
  assert.equal(res.model.totals.errors, FLEET.errors);
  const t = res.model.inputs.find((i: { input: string }) => i.input === truncated);
  assert.equal(t.events + t.duplicates, 10);
  assert.equal(t.duplicates, 10);
  assert.match(t.error, new RegExp(`${truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt Avro container at byte ${third}: truncated block`));
  const g = res.model.inputs.find((i: { input: string }) => i.input === garbage);
  assert.match(g.error, /garbage\.avro: corrupt Avro container at byte 0: not an Avro object container file/);
  assert.equal(res.model.inputs.find((i: { input: string }) => i.input === good).events, FLEET.events);
  assert.match(res.err, /warning: .*truncated\.avro: corrupt Avro container at byte \d+/);
  assert.equal(res.model.warnings.length, 3); // two damaged files, and the duplicates counted once
});

test('export: jsonl, --fs and --since filters, progress bar only on a terminal', async () => {
  const { stateDir, host } = makeStore();
  const store = SqliteStore.open({ stateDir, host, readOnly: true });
  const out = path.join(tmp('export'), 'e.jsonl');
  const tty = captureIo(true);
  const n = await exportEvents(store, codec, { out, format: 'jsonl', fs: 'sdb1' }, tty);
  assert.equal(n, 7);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 7);
  assert.ok(lines.every((l) => l.device === 'sdb1' && typeof l.offset === 'number'));
  assert.match(tty.errText(), /\rexporting \[#+ *\] +\d+%/);
  const since = await exportEvents(store, codec, { out, format: 'jsonl', since: '2025-01-15T00:00:00Z' }, captureIo(), Date.UTC(2025, 0, 20));
  assert.equal(since, 6 + 6);
  await assert.rejects(exportEvents(store, codec, { out, format: 'csv' }, captureIo()), /--format must be avro or jsonl/);
  store.close();
  assert.deepEqual(fs.readdirSync(path.dirname(out)), ['e.jsonl']); // no temp file left behind
});
