/**
 * The HTML report opened in a real browser (Debian's headless Chromium): the DOM it renders has a
 * timeline chart per filesystem and the errno/subtype bar charts, and shows the numbers the JSON
 * report gives. Chromium is a prerequisite (apt-get install chromium): missing, the test fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReportBuilder, fromFsEvent, renderReport, reportSectionsOf } from '../../core/analytics';
import { ext4Plugin } from '../../plugins/ext4';
import { xfsPlugin } from '../../plugins/xfs';
import { fleetEvents, FLEET } from './helpers-avro/fleet';

function chromiumBinary(): string {
  for (const c of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome']) {
    if (!c) continue;
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  throw new Error('headless Chromium not found: install it (apt-get install -y chromium) or set CHROMIUM=/path/to/chrome');
}

function chromium(args: string[], profile: string): string {
  const r = spawnSync(
    chromiumBinary(),
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, ...args],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  assert.equal(r.status, 0, `chromium failed: ${r.error?.message ?? ''} ${r.stderr}`);
  return r.stdout;
}

test('HTML report renders its charts and the JSON numbers in headless Chromium', { timeout: 180_000 }, () => {
  const b = new ReportBuilder({ now: () => Date.UTC(2025, 0, 16), sections: reportSectionsOf([ext4Plugin, xfsPlugin]) });
  for (const e of fleetEvents()) b.add(fromFsEvent(e));
  const model = b.build();
  const json = JSON.parse(renderReport(model, 'json'));
  const html = renderReport(model, 'html');
  // Self-contained: no scripts, no external resources.
  assert.doesNotMatch(html, /<script|<link|@import|url\(|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-html-'));
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, html);
  const dom = chromium(['--dump-dom', `file://${file}`], path.join(dir, 'profile'));

  const timelines = [...dom.matchAll(/<svg class="chart timeline" data-fs="([^"]+)" data-total="(\d+)"/g)];
  assert.deepEqual(timelines.map((m) => m[1]).sort(), json.timeline.series.map((s: { fs: string }) => s.fs).sort());
  for (const m of timelines) {
    const s = json.timeline.series.find((x: { fs: string }) => x.fs === m[1]);
    assert.equal(Number(m[2]), s.counts.reduce((a: number, c: number) => a + c, 0));
  }
  assert.equal((dom.match(/<svg class="chart bars"/g) ?? []).length, 2);
  const errnoBars = [...dom.matchAll(/<rect class="bar" data-key="([^"]+)" data-value="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
  for (const r of json.byErrno) assert.ok(errnoBars.some(([k, v]) => k === r.key && v === r.count), `bar for ${r.key}`);
  assert.match(dom, new RegExp(`id="total-errors">${FLEET.errors}<`));
  assert.match(dom, new RegExp(`id="total-lost">${json.totals.lost}<`));
  assert.match(dom, new RegExp(`id="losses-total">${FLEET.lost}<`));
  assert.match(dom, /journal aborted/);
  assert.match(dom, /<table id="rising">.*host-b:sdb1/s);

  const shot = path.join(dir, 'report.png');
  chromium([`--screenshot=${shot}`, '--window-size=1280,2200', '--hide-scrollbars', `file://${file}`], path.join(dir, 'profile2'));
  const png = fs.readFileSync(shot);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(png.readUInt32BE(16), 1280);
  assert.ok(png.length > 20_000, `screenshot looks empty (${png.length} bytes)`);
  process.stdout.write(`# screenshot: ${shot}\n`);
});
