/**
 * Files written by fsfault are read by independent implementations — Debian's python3-avro (which
 * drops union branch names), fastavro (return_record_name=True) and Java avro-tools — for every
 * codec, giving the same records as the store; files written by fastavro are accepted by
 * `fsfault report --input`. Missing readers fail the test with the install line (never skipped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AvroFilesConfig } from '../../core/config/schema';
import type { FsEvent } from '../../core/model/event';
import { createAvroFileConnector } from '../../connectors/avro-file/connector';
import { scanHost } from '../../core/avro/layout';
import { runReport } from '../../core/cli/commands/report';
import { context, pump, setup } from '../unit/helpers-avro/fixtures';
import { fleetEvents, FLEET } from '../unit/helpers-avro/fleet';
import { captureIo } from '../unit/helpers-avro/cli-io';
import { pythonWith, runPython } from './python';
import { avroToolsJar } from './avro-tools';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `fsfault-interop-${p}-`));

interface PyFile {
  file: string;
  codec: string;
  meta: Record<string, string>;
  records: Record<string, unknown>[];
}

/** Writes the fleet through the connector into several files (small rotation, 7-record blocks). */
async function writeFleet(codec: string) {
  const s = setup();
  s.log.append(fleetEvents());
  const dir = tmp(`w-${codec}`);
  const c = createAvroFileConnector(AvroFilesConfig.parse({ dir, codec, blockEvents: 7, rotate: { maxBytes: JSON.stringify(s.schema.json).length + 1500, maxAgeSec: 3600 } }));
  await pump(c, context(s, c.name, 'host-a'));
  await c.close();
  const files = scanHost(dir, 'host-a').files.map((f) => f.path);
  assert.ok(files.length >= 2, `expected several files, got ${files.length}`);
  return { s, files, events: s.log.readAfter(0, 1000).map((r) => r.event) };
}

/** The values every reader must agree on, from the store's events. */
function checkCommon(lib: string, got: Record<string, unknown>[], want: FsEvent[]) {
  assert.equal(got.length, want.length, `${lib}: record count`);
  got.forEach((r, i) => {
    const e = want[i]!;
    assert.equal(r.id, e.id, `${lib}: record ${i} id`);
    assert.equal(r.host, e.host);
    assert.equal(r.kind, e.kind);
    assert.equal(r.count, e.count);
    assert.equal(r.errno, e.errno);
    assert.equal(r.firstSeen, e.firstSeen, `${lib}: timestamp-micros of ${e.id}`);
    assert.equal((r.fs as { device: string }).device, e.fs.device);
    assert.equal((r.death as { reason: string } | null)?.reason ?? null, e.death?.reason ?? null);
  });
}

for (const codec of ['null', 'deflate', 'snappy']) {
  test(`python3-avro and fastavro read fsfault's ${codec} files like the store`, { timeout: 120_000 }, async () => {
    const { files, events } = await writeFleet(codec);
    for (const lib of ['avro', 'fastavro'] as const) {
      const py = pythonWith(lib === 'avro' ? ['avro', 'snappy'] : ['fastavro', 'cramjam']);
      const out = JSON.parse(runPython(py, 'read_avro.py', [lib, ...files])) as { files: PyFile[] };
      for (const f of out.files) {
        assert.equal(f.codec, codec, `${lib}: ${f.file} codec`);
        assert.equal(f.meta['fsfault.host'], 'host-a');
        assert.match(f.meta['fsfault.fingerprint']!, /^[0-9a-f]{16}$/);
      }
      const records = out.files.flatMap((f) => f.records);
      checkCommon(lib, records, events);
      records.forEach((r, i) => {
        const e = events[i]!;
        if (!e.blob) return assert.equal(r.blob, null);
        // fastavro keeps the branch name; python3-avro gives the bare record.
        const blob = lib === 'fastavro' ? (r.blob as [string, Record<string, unknown>]) : null;
        if (blob) assert.equal(blob[0], `fsfault.plugins.${e.plugin}.${e.plugin === 'xfs' ? 'XfsBlob' : 'Ext4Blob'}`);
        const value = (blob ? blob[1] : r.blob) as Record<string, unknown>;
        for (const k of ['function', 'agno', 'metadataType']) if (k in e.blob) assert.equal(value[k], e.blob[k], `${lib}: blob.${k} of ${e.id}`);
      });
    }
  });
}

test('Java avro-tools reads fsfault files (tojson, getmeta) for every codec', { timeout: 300_000 }, async () => {
  const jar = avroToolsJar();
  for (const codec of ['null', 'deflate', 'snappy']) {
    const { files, events } = await writeFleet(codec);
    const records: Record<string, unknown>[] = [];
    for (const f of files) {
      const meta = spawnSync('java', ['-jar', jar, 'getmeta', f], { encoding: 'utf8' });
      assert.equal(meta.status, 0, meta.stderr);
      assert.match(meta.stdout, new RegExp(`avro\\.codec\\s+${codec}`));
      const tojson = spawnSync('java', ['-jar', jar, 'tojson', f], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      assert.equal(tojson.status, 0, tojson.stderr);
      for (const line of tojson.stdout.trim().split('\n')) records.push(unwrapJavaJson(JSON.parse(line)) as Record<string, unknown>);
    }
    checkCommon(`avro-tools ${codec}`, records, events);
  }
});

/** Avro JSON encoding wraps non-null union values as {"type": value}; unwrap the simple ones. */
function unwrapJavaJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapJavaJson);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && ['string', 'int', 'long', 'boolean', 'fsfault.LostDetail', 'fsfault.DeathDetail'].includes(keys[0]!)) return unwrapJavaJson(o[keys[0]!]);
    return Object.fromEntries(keys.map((k) => [k, unwrapJavaJson(o[k])]));
  }
  return v;
}

test('files written by fastavro (same schema) are accepted by `fsfault report --input`', { timeout: 120_000 }, async () => {
  const py = pythonWith(['fastavro', 'cramjam']);
  const s = setup();
  const dir = tmp('fastavro');
  const schemaFile = path.join(dir, 'schema.json');
  fs.writeFileSync(schemaFile, s.schema.text);
  const recs = path.join(dir, 'records.jsonl');
  fs.writeFileSync(recs, fleetEvents().map((e) => JSON.stringify(s.codec.toRecord(e))).join('\n'));
  const inputs: string[] = [];
  for (const codec of ['null', 'deflate', 'snappy']) {
    const out = path.join(dir, 'files', `fastavro-${codec}.avro`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    assert.equal(runPython(py, 'write_fastavro.py', [schemaFile, recs, out, codec, '500']).trim(), String(FLEET.events));
    inputs.push(out);
    const io = captureIo();
    assert.equal(await runReport({ input: [out], format: 'json' }, io), 0, io.errText());
    const m = JSON.parse(io.outText());
    assert.equal(m.totals.errors, FLEET.errors, `${codec}: errors`);
    assert.equal(m.totals.lost, FLEET.lost);
    const ags = m.sections.find((s: { plugin: string }) => s.plugin === 'xfs').tables.find((t: { id: string }) => t.id === 'ags').rows;
    assert.deepEqual(ags.map((r: { key: string }) => r.key), ['host-b:sdb1 AG 3', 'host-b:sdb1 AG 1']);
    assert.deepEqual(m.deaths.map((d: { reason: string }) => d.reason), ['journal aborted']);
  }
  // The whole directory at once: three copies of the fleet.
  const io = captureIo();
  assert.equal(await runReport({ input: [path.join(dir, 'files')], format: 'json' }, io), 0);
  // Three copies of one fleet: each event id counts once, and the report says the rest were duplicates.
  const all = JSON.parse(io.outText());
  assert.equal(all.totals.errors, FLEET.errors);
  assert.equal(all.inputs.reduce((n: number, i: { duplicates: number }) => n + i.duplicates, 0), 2 * FLEET.events);
});
