import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportBuilder, fromFsEvent, fromAvroRecord, renderReport, reportSectionsOf, type ReportModel } from '../../core/analytics';
import { ext4Plugin } from '../../plugins/ext4';
import { xfsPlugin } from '../../plugins/xfs';
import { parseTimeArg } from '../../core/cli/time-arg';
import { isFsfaultError } from '../../core/errors';
import { fleetEvents, FLEET, T0 } from './helpers-avro/fleet';
import { setup } from './helpers-avro/fixtures';

const H = 3600e6;

/** The sections the built-in plugins declare (plugin API `report`), as `fsfault report` gets them. */
const sections = reportSectionsOf([ext4Plugin, xfsPlugin]);
const rows = (m: ReportModel, plugin: string, id: string) => m.sections.find((s) => s.plugin === plugin)!.tables.find((t) => t.id === id)!.rows;

function build(opts: ConstructorParameters<typeof ReportBuilder>[0] = {}) {
  const b = new ReportBuilder({ now: () => 0, sections, ...opts });
  for (const e of fleetEvents()) b.add(fromFsEvent(e));
  return b.build();
}

test('totals, per host / filesystem / errno / subtype', () => {
  const m = build();
  assert.equal(m.totals.errors, FLEET.errors);
  assert.equal(m.totals.lost, FLEET.lost);
  assert.equal(m.totals.deaths, FLEET.deaths);
  assert.equal(m.totals.events, FLEET.events);
  assert.deepEqual(m.byHost.map((r) => [r.key, r.count]), [['host-a', 70], ['host-b', 31]]);
  assert.deepEqual(m.byFilesystem.map((r) => [r.key, r.count, r.died]), [['host-a:loop0', 60, false], ['host-b:sdb1', 31, false], ['host-a:loop1', 10, true]]);
  assert.deepEqual(m.byErrno.map((r) => [r.key, r.count]), [['EUCLEAN', 60], ['EFSCORRUPTED', 30], ['EIO', 4]]);
  assert.equal(m.bySubtype.find((r) => r.key === 'checksum')?.count, 30);
  assert.equal(m.bySubtype.find((r) => r.key === 'metadata')?.count, 90);
});

test('ext4 top functions and inodes, XFS top AGs and metadata types from the blobs', () => {
  const m = build();
  assert.deepEqual(rows(m, 'ext4', 'functions').map((r) => [r.key, r.count]), [['ext4_find_entry', 30], ['ext4_lookup', 30], ['jbd2_journal_abort', 3]]);
  assert.deepEqual(rows(m, 'ext4', 'inodes').map((r) => [r.key, r.count]), [['host-a:loop0 inode 99', 40], ['host-a:loop0 inode 12', 20]]);
  assert.deepEqual(rows(m, 'xfs', 'ags').map((r) => [r.key, r.count]), [['host-b:sdb1 AG 3', 30], ['host-b:sdb1 AG 1', 1]]);
  assert.deepEqual(rows(m, 'xfs', 'metadata').map((r) => [r.key, r.count]), [['agf', 16], ['bnobt', 15]]);
  assert.deepEqual(m.sections.map((s) => s.title), ['ext4', 'XFS']);
});

test('sections are what plugins declare: a made-up plugin gets its own, the first present field wins; no plugins, no sections', () => {
  const b = new ReportBuilder({
    sections: reportSectionsOf([
      { meta: { name: 'demofs', version: '1', coreApi: '^1.3.0', fsTypes: ['xfs'] }, report: { title: 'demofs', tables: [{ id: 'zones', title: 'top zones', label: 'zone', fields: ['zone', 'ag'], perFilesystem: true }, { id: 'kinds', title: 'top kinds', label: 'kind', fields: ['structure'] }] } },
    ]),
  });
  const e = fleetEvents().find((x) => x.fs.type === 'xfs')!;
  b.add({ ...fromFsEvent(e), blob: { ag: 7, structure: 'inobt' } });
  const m = b.build();
  assert.deepEqual(m.sections.map((s) => [s.plugin, s.tables.map((t) => t.rows[0]!.key)]), [['demofs', ['host-b:sdb1 zone 7', 'inobt']]]);
  const bare = new ReportBuilder();
  bare.add(fromFsEvent(e));
  assert.deepEqual(bare.build().sections, []);
});

test('timeline: errors per hour per filesystem, summing to the totals', () => {
  const m = build();
  assert.equal(m.timeline.bucketSec, 3600);
  assert.equal(m.timeline.start, new Date(T0 / 1000).toISOString());
  assert.equal(m.timeline.buckets, 30);
  assert.equal(m.timeline.total.reduce((a, b) => a + b, 0), FLEET.errors);
  const loop0 = m.timeline.series.find((s) => s.fs === 'host-a:loop0')!;
  assert.deepEqual(loop0.counts, new Array(30).fill(2));
});

test('deaths with reasons, losses by reason and filesystem', () => {
  const m = build();
  assert.deepEqual(m.deaths, [{ host: 'host-a', fs: 'host-a:loop1', time: new Date((T0 + 10 * H) / 1000).toISOString(), reason: 'journal aborted', count: 3, suppressed: 2 }]);
  assert.deepEqual(m.losses.byReason.map((r) => [r.key, r.count]), [['queue-budget', 30], ['kmsg-overrun', 10]]);
  assert.deepEqual(m.losses.byFilesystem.map((r) => [r.key, r.count]), [['host-a:loop0', 40]]);
});

test('rising: last window vs the one before (default 6 h, ratio 2, at least 10)', () => {
  const m = build();
  assert.deepEqual(m.rising.filesystems, [{ fs: 'host-b:sdb1', last: 30, previous: 0, ratio: null }]);
  // loop0 is steady (12 in the last 6 h vs 12 before): not rising. With 3 h windows the surge is
  // already old news (15 vs 15): nothing rises.
  const narrow = build({ rising: { windowSec: 3 * 3600, ratio: 2, minCount: 10 } });
  assert.deepEqual(narrow.rising.filesystems, []);
  // Ending the range before the surge: nothing rises.
  const early = build({ until: T0 + 20 * H });
  assert.deepEqual(early.rising.filesystems, []);
});

test('since/until select by overlap like the store', () => {
  const m = build({ since: T0 + 24 * H, until: T0 + 30 * H });
  assert.equal(m.totals.errors, 6 * 2 + 30);
  assert.equal(m.range.since, new Date((T0 + 24 * H) / 1000).toISOString());
});

test('records from Avro files: wrapped, bare and unknown-plugin blobs; non-events are rejected', () => {
  const s = setup();
  const e = fleetEvents()[0]!;
  const rec = s.codec.toRecord(e);
  const viaWrapped = fromAvroRecord(rec)!;
  assert.deepEqual(viaWrapped, fromFsEvent(e));
  const bare = fromAvroRecord({ ...rec, blob: { function: 'f', inode: 3 } })!;
  assert.equal(bare.blob!.function, 'f');
  const unknown = fromAvroRecord({ ...rec, blob: { 'fsfault.plugins.UnknownBlob': { plugin: 'btrfs', json: '{"function":"btrfs_x"}' } } })!;
  assert.deepEqual(unknown.blob, { function: 'btrfs_x' });
  assert.equal(fromAvroRecord({ hello: 1 }), null);
});

test('renderers: text and json carry the same numbers', () => {
  const m = build();
  const json = JSON.parse(renderReport(m, 'json'));
  assert.equal(json.totals.errors, FLEET.errors);
  const text = renderReport(m, 'text');
  assert.match(text, new RegExp(`errors ${FLEET.errors} in ${FLEET.events} events; lost ${FLEET.lost}`));
  assert.match(text, /host-b:sdb1\s+30\s+0\s+new/);
  assert.match(text, /journal aborted/);
});

test('time arguments', () => {
  const now = Date.UTC(2025, 0, 15, 12) * 1000; // µs
  assert.equal(parseTimeArg('--since', '2025-01-15', now), Date.UTC(2025, 0, 15) * 1000);
  assert.equal(parseTimeArg('--since', '2025-01-15T10:30', now), Date.UTC(2025, 0, 15, 10, 30) * 1000);
  assert.equal(parseTimeArg('--since', '2025-01-15T10:30:00+02:00', now), Date.UTC(2025, 0, 15, 8, 30) * 1000);
  assert.equal(parseTimeArg('--since', '24h', now), now - 86_400_000_000);
  assert.equal(parseTimeArg('--since', '1736935200', now), 1736935200 * 1e6);
  assert.throws(() => parseTimeArg('--since', 'yesterday', now), (e: unknown) => isFsfaultError(e, 'CLI_BAD_ARGUMENT') && /--since/.test(e.message));
});

test('json: the same value as JSON.stringify of the model, with one line per death (a report may list hundreds of thousands)', () => {
  const m = build();
  // More deaths than the fixture has, with characters JSON must escape in a reason and a host.
  const extra = Array.from({ length: 50 }, (_, i) => ({ host: `h"${i}`, fs: `h:loop${i}`, time: new Date(1e12 + i).toISOString(), reason: 'line\nbreak\u0000', count: i, suppressed: 0 }));
  const many: ReportModel = { ...m, deaths: [...m.deaths, ...extra] };
  for (const model of [m, many, { ...m, deaths: [] }]) {
    const out = renderReport(model, 'json');
    assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(model)));
    assert.ok(out.endsWith('}\n'));
  }
  const lines = renderReport(many, 'json').split('\n');
  assert.equal(lines.filter((l) => l.startsWith('    {"host":')).length, many.deaths.length, 'each death on a line of its own');
});
