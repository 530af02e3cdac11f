import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AvroFilesConfig } from '../../core/config/schema';
import { isFsfaultError } from '../../core/errors';
import { createAvroFileConnector, type AvroFileConnectorOptions } from '../../connectors/avro-file/connector';
import { scanHost } from '../../core/avro/layout';
import { OcfReader } from '../../core/avro/ocf-reader';
import { context, ev, pump, setup, type Setup } from './helpers-avro/fixtures';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-avro-conn-'));

function make(dir: string, over: Record<string, unknown> = {}, opts: AvroFileConnectorOptions = {}) {
  const config = AvroFilesConfig.parse({ dir, blockEvents: 10, ...over });
  return createAvroFileConnector(config, opts);
}

/** Every record of every complete file of host-a, with the file it came from. */
function readBack(s: Setup, dir: string, host = 'host-a') {
  const out: { file: string; id: string; offsetRange: [number, number] }[] = [];
  for (const f of scanHost(dir, host).files) {
    const r = OcfReader.open(f.path);
    assert.equal(r.header.meta.get('fsfault.fingerprint')?.toString(), s.schema.fingerprint);
    assert.equal(r.header.schemaText, JSON.stringify(s.schema.json));
    for (const rec of r.records()) out.push({ file: f.path, id: (rec as { id: string }).id, offsetRange: [f.first, f.last] });
    r.close();
  }
  return out;
}

function assertExactlyOnce(s: Setup, dir: string) {
  const got = readBack(s, dir);
  const want = s.log.readAfter(0, 1e9).map((r) => r.event.id);
  assert.deepEqual(
    got.map((g) => g.id),
    want,
  );
  // Every file's name range matches its content, and ranges tile 1..head with no gap or overlap.
  const files = scanHost(dir, 'host-a').files;
  let next = 1;
  for (const f of files) {
    assert.equal(f.first, next, `file ${f.path} should start at ${next}`);
    next = f.last + 1;
  }
  assert.equal(next - 1, s.log.headOffset());
}

test('writes rotated, partitioned container files; cursor = last renamed offset', async () => {
  const s = setup();
  const dir = tmp();
  s.log.append(Array.from({ length: 300 }, (_, i) => ev({ count: i + 1 })));
  const files: string[] = [];
  // The header carries the schema text; leave room for a few dozen events after it.
  const maxBytes = JSON.stringify(s.schema.json).length + 4096;
  const c = make(dir, { rotate: { maxBytes, maxAgeSec: 3600 }, codec: 'null' }, { onFile: (f) => files.push(f.path) });
  const ctx = context(s, c.name);
  assert.equal(await c.open(ctx), 0);
  // While the file is open, nothing is durable yet.
  const first = await c.deliver(s.log.readAfter(0, 5));
  assert.equal(first, 0);
  assert.ok(fs.readdirSync(path.join(dir, 'dt=2025-01-15', 'host=host-a')).some((n) => /^\.fsfault-0{19}1\.avro\.tmp$/.test(n)));
  let durable = 0;
  for (let after = 5; after < 300; after += 50) {
    const d = await c.deliver(s.log.readAfter(after, 50));
    assert.ok(typeof d === 'number' && d >= durable && d <= after + 50);
    durable = d as number;
  }
  assert.ok(files.length > 2 && files.length < 50, `expected several multi-event files for 300 events, got ${files.length}`);
  assert.equal(await c.flush(), 300);
  await c.close();
  for (const f of files) assert.match(f, /dt=2025-01-15\/host=host-a\/fsfault-\d{20}-\d{20}\.avro$/);
  assertExactlyOnce(s, dir);
  // No temporary files remain after flush.
  assert.deepEqual(scanHost(dir, 'host-a').tmpFiles, []);
});

test('every codec writes files that read back to the stored events', async () => {
  for (const codec of ['null', 'deflate', 'snappy']) {
    const s = setup();
    const dir = tmp();
    s.log.append(Array.from({ length: 57 }, (_, i) => ev({ type: i % 3 ? 'ext4' : 'xfs', count: i })));
    const c = make(dir, { codec });
    assert.equal(await pump(c, context(s, c.name)), 57);
    await c.close();
    const f = scanHost(dir, 'host-a').files[0]!;
    const r = OcfReader.open(f.path);
    assert.equal(r.header.codec, codec);
    assert.equal([...r.blocks()].length, 6); // 57 events in blocks of 10
    const events = [...r.records(s.schema.type)].map((x) => s.codec.fromRecord(x as Record<string, unknown>));
    r.close();
    assert.deepEqual(events, s.log.readAfter(0, 100).map((x) => x.event));
  }
});

test('rotates by age, also from the timer when no events arrive', async () => {
  const s = setup();
  const dir = tmp();
  let nowMs = 1_000_000;
  const c = make(dir, { rotate: { maxBytes: 1 << 30, maxAgeSec: 60 } }, { now: () => nowMs, ageCheckMs: 5 });
  s.log.append([ev(), ev()]);
  await c.open(context(s, c.name));
  assert.equal(await c.deliver(s.log.readAfter(0, 10)), 0);
  nowMs += 61_000;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(scanHost(dir, 'host-a').files.length, 1, 'the timer should have closed the old file');
  s.log.append([ev()]);
  assert.equal(await c.deliver(s.log.readAfter(2, 10)), 2);
  assert.equal(await c.flush(), 3);
  await c.close();
  assertExactlyOnce(s, dir);
});

test('dt is the UTC day of the event (firstSeen), not of the write: a 48-hour replay stored at once spans three days', async () => {
  const s = setup();
  const dir = tmp();
  const h = 3600 * 1_000_000;
  const t0 = Date.UTC(2025, 0, 14, 23) * 1000;
  // Stored all at once (the store clock does not move), as a replay of a recording writes them.
  s.log.append(Array.from({ length: 49 }, (_, i) => ev({ t: t0 + i * h })));
  const c = make(dir);
  assert.equal(await pump(c, context(s, c.name)), 49);
  await c.close();
  const files = scanHost(dir, 'host-a').files.map((f) => path.relative(dir, f.path));
  assert.deepEqual(files, [
    `dt=2025-01-14/host=host-a/fsfault-${'1'.padStart(20, '0')}-${'1'.padStart(20, '0')}.avro`,
    `dt=2025-01-15/host=host-a/fsfault-${'2'.padStart(20, '0')}-${'25'.padStart(20, '0')}.avro`,
    `dt=2025-01-16/host=host-a/fsfault-${'26'.padStart(20, '0')}-${'49'.padStart(20, '0')}.avro`,
  ]);
  assertExactlyOnce(s, dir);
});

test('after a crash: the temp file is removed, its events rewritten; a renamed file whose commit was lost is not rewritten', async () => {
  const s = setup();
  const dir = tmp();
  s.log.append(Array.from({ length: 100 }, () => ev()));
  const rotate = { maxBytes: JSON.stringify(s.schema.json).length + 3000, maxAgeSec: 3600 };
  // Run 1: deliver everything but never commit the cursor nor flush ("crash" = drop the object).
  const c1 = make(dir, { rotate, codec: 'null' });
  await c1.open(context(s, c1.name));
  await c1.deliver(s.log.readAfter(0, 100));
  const scan1 = scanHost(dir, 'host-a');
  assert.ok(scan1.files.length >= 1 && scan1.tmpFiles.length === 1);
  assert.equal(s.log.cursor(c1.name), 0);

  // Run 2: open finds the renamed files and resumes after them; the temp file is removed with a warning.
  const warnings: string[] = [];
  const c2 = make(dir, { rotate, codec: 'null' });
  const ctx2 = context(s, c2.name, 'host-a', warnings);
  const resumed = await c2.open(ctx2);
  assert.equal(resumed, scan1.maxLast);
  assert.equal(scanHost(dir, 'host-a').tmpFiles.length, 0);
  assert.match(warnings.join('\n'), /removed 1 unfinished file/);
  await c2.close();
  const c3 = make(dir, { rotate, codec: 'null' });
  assert.equal(await pump(c3, context(s, c3.name)), 100);
  await c3.close();
  assertExactlyOnce(s, dir);
});

test('a gap in what the pump hands over is filled from the store', async () => {
  const s = setup();
  const dir = tmp();
  s.log.append(Array.from({ length: 30 }, () => ev()));
  const c = make(dir);
  await c.open(context(s, c.name));
  await c.deliver(s.log.readAfter(0, 10));
  await c.deliver(s.log.readAfter(20, 10)); // 11..20 never handed over
  assert.equal(await c.flush(), 30);
  await c.close();
  assertExactlyOnce(s, dir);
});

test('rows stored with an older schema are re-encoded with the file schema', async () => {
  const s = setup();
  const dir = tmp();
  s.log.append([ev(), ev()]);
  const rows = s.log.readAfter(0, 10).map((r, i) => (i === 0 ? { ...r, fingerprint: '0123456789abcdef', body: Buffer.from('not this schema') } : r));
  const c = make(dir);
  await c.open(context(s, c.name));
  await c.deliver(rows);
  await c.flush();
  await c.close();
  assertExactlyOnce(s, dir);
});

test('files beyond the store head (store recreated) stop the connector loudly; an existing name is never replaced', async () => {
  const s = setup();
  const dir = tmp();
  s.log.append(Array.from({ length: 5 }, () => ev()));
  const c = make(dir);
  await pump(c, context(s, c.name));
  await c.close();
  const fresh = setup();
  fresh.log.append([ev()]);
  const c2 = make(dir);
  await assert.rejects(c2.open(context(fresh, c2.name)), (e: unknown) => isFsfaultError(e, 'CONNECTOR_FATAL') && /store ends at 1/.test(e.message));
  await c2.close();
});
