/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, no fonts, no links
 * out). Every number shown comes from the same ReportModel the JSON report prints; elements carry
 * ids / data-value attributes so tests (and scrapers) can read them back.
 */
import type { CountRow, ReportModel } from './report-model';
import { barSvg, esc, timelineSvg } from './svg';

const MAX_TIMELINES = 24;

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.warn{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;margin:6px 0}
.kpis{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.kpi{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
.kpi b{display:block;font-size:22px}.rising{color:#b42318;font-weight:600}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f6f8fa}.charts{display:flex;flex-wrap:wrap;gap:16px}
svg .bar{fill:#2f81f7}svg.bars .bar{fill:#8250df}svg .axis{stroke:#8c959f}svg .t{font-size:13px;font-weight:600;fill:#1b1f24}svg .l{font-size:11px;fill:#57606a}
`;

function table(headers: string[], rows: (string | number)[][], id: string): string {
  if (!rows.length) return `<p class="meta" id="${id}">none</p>`;
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => (typeof c === 'number' ? `<td class="n">${c}</td>` : `<td>${esc(c)}</td>`)).join('')}</tr>`).join('');
  return `<table id="${id}">${head}${body}</table>`;
}

const countTable = (rows: CountRow[], what: string, id: string) => table([what, 'errors', 'events'], rows.map((r) => [r.key, r.count, r.events]), id);

function bucketLabel(startIso: string | null, bucketSec: number, i: number): string {
  if (!startIso) return '';
  return new Date(Date.parse(startIso) + i * bucketSec * 1000).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

export function renderHtml(m: ReportModel): string {
  const t = m.timeline;
  const kpi = (id: string, label: string, v: number) => `<div class="kpi"><span>${esc(label)}</span><b id="${id}">${v}</b></div>`;
  const timelines = t.series
    .slice(0, MAX_TIMELINES)
    .map((s) => timelineSvg(s.fs, s.counts, bucketLabel(t.start, t.bucketSec, 0), bucketLabel(t.start, t.bucketSec, t.buckets - 1)))
    .join('');
  const r = m.rising.rule;
  const parts = [
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`,
    `<title>fsfault report</title><style>${CSS}</style></head><body>`,
    `<h1>fsfault report</h1>`,
    `<p class="meta">generated ${esc(m.generatedAt)} · range ${esc(m.range.since ?? 'beginning')} – ${esc(m.range.until ?? 'now')} · events ${esc(m.range.firstEvent ?? '-')} – ${esc(m.range.lastEvent ?? '-')}</p>`,
    `<p class="meta">inputs: ${m.inputs.map((i) => `${esc(i.input)} (${i.events}${i.error ? ', <b>damaged</b>' : ''})`).join(', ') || 'none'}</p>`,
    ...m.warnings.map((w) => `<div class="warn">⚠ ${esc(w)}</div>`),
    `<div class="kpis">${kpi('total-errors', 'errors', m.totals.errors)}${kpi('total-events', 'events', m.totals.events)}${kpi('total-lost', 'lost', m.totals.lost)}${kpi('total-deaths', 'filesystems died', m.totals.deaths)}${kpi('total-rising', 'rising', m.rising.filesystems.length)}</div>`,
    `<h2>Rising error rate</h2><p class="meta">last ${r.windowSec / 3600} h ≥ ${r.minCount} errors and more than ${r.ratio}× the ${r.windowSec / 3600} h before</p>`,
    table(['filesystem', 'last window', 'previous window', 'ratio'], m.rising.filesystems.map((f) => [f.fs, f.last, f.previous, f.ratio ?? 'new']), 'rising'),
    `<h2>Errors over time (per ${t.bucketSec === 3600 ? 'hour' : 'day'})</h2>`,
    `<div class="charts" id="timelines">${timelines || '<p class="meta">no errors</p>'}</div>`,
    t.series.length > MAX_TIMELINES ? `<p class="meta">${t.series.length - MAX_TIMELINES} more filesystems not charted (see the table)</p>` : '',
    `<h2>Errors by errno and subtype</h2><div class="charts">${barSvg('errno', m.byErrno.slice(0, 15))}${barSvg('subtype', m.bySubtype.slice(0, 15))}</div>`,
    `<h2>By filesystem</h2>`,
    table(['filesystem', 'type', 'mount', 'errors', 'events', 'last seen', 'died'], m.byFilesystem.map((f) => [f.key, f.fsType, f.mountPoint ?? '-', f.count, f.events, f.lastSeen, f.died ? 'DIED' : '']), 'by-filesystem'),
    `<h2>By host</h2>`,
    countTable(m.byHost, 'host', 'by-host'),
    `<h2>By errno</h2>`,
    countTable(m.byErrno, 'errno', 'by-errno'),
    `<h2>By subtype</h2>`,
    countTable(m.bySubtype, 'subtype', 'by-subtype'),
    ...m.sections.map(
      (s) => `<h2>${esc(s.title)}</h2><div class="charts">${s.tables.map((t) => `<div><h3>${esc(t.title)}</h3>${countTable(t.rows, t.label, esc(`${s.plugin}-${t.id}`))}</div>`).join('')}</div>`,
    ),
    `<h2>Deaths</h2>`,
    table(['time', 'filesystem', 'reason', 'errors', 'suppressed'], m.deaths.map((d) => [d.time, d.fs, d.reason, d.count, d.suppressed]), 'deaths'),
    `<h2>Losses</h2><p class="meta"><span id="losses-total">${m.losses.total}</span> events could not be reported (${m.losses.events} LOST events)</p>`,
    table(['reason', 'lost'], m.losses.byReason.map((x) => [x.key, x.count]), 'losses-by-reason'),
    m.losses.byFilesystem.length ? table(['filesystem', 'lost'], m.losses.byFilesystem.map((x) => [x.key, x.count]), 'losses-by-fs') : '',
    `</body></html>\n`,
  ];
  return parts.join('\n');
}
