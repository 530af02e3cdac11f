/** Plain-text rendering of the report model, for terminals and e-mail. */
import type { CountRow, ReportModel } from './report-model';
import { printableLines } from '../model/printable';

function table(headers: string[], rows: (string | number)[][]): string {
  if (!rows.length) return '  (none)\n';
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const w = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return cells.map(line).join('\n') + '\n';
}

const counts = (rows: CountRow[], what = 'key') => table([what, 'errors', 'events'], rows.map((r) => [r.key, r.count, r.events]));

/** One character per bucket, scaled to the busiest bucket. */
function spark(values: number[]): string {
  const marks = ' .:-=+*#%@';
  const max = Math.max(1, ...values);
  return values.map((v) => (v === 0 ? ' ' : marks[Math.max(1, Math.round((v / max) * (marks.length - 1)))])).join('');
}

export function renderText(m: ReportModel): string {
  const out: string[] = [];
  const h = (t: string) => out.push(`\n${t}\n${'-'.repeat(t.length)}\n`);
  out.push(`fsfault report  (generated ${m.generatedAt})\n`);
  out.push(`range: ${m.range.since ?? 'beginning'} .. ${m.range.until ?? 'now'}; events ${m.range.firstEvent ?? '-'} .. ${m.range.lastEvent ?? '-'}\n`);
  out.push(`inputs: ${m.inputs.map((i) => `${i.input} (${i.events}${i.error ? ', DAMAGED' : ''})`).join(', ') || '(none)'}\n`);
  for (const w of m.warnings) out.push(`WARNING: ${w}\n`);
  h('Totals');
  out.push(`  errors ${m.totals.errors} in ${m.totals.events} events; lost ${m.totals.lost}; filesystems died ${m.totals.deaths}\n`);
  out.push(counts(m.totals.byKind, 'kind').replace('errors', ' count'));
  h('Rising error rate');
  const r = m.rising.rule;
  out.push(`  rule: last ${r.windowSec / 3600} h >= ${r.minCount} errors and > ${r.ratio}x the ${r.windowSec / 3600} h before\n`);
  out.push(table(['filesystem', 'last', 'previous', 'ratio'], m.rising.filesystems.map((f) => [f.fs, f.last, f.previous, f.ratio ?? 'new'])));
  h('By host');
  out.push(counts(m.byHost, 'host'));
  h('By filesystem');
  out.push(table(['filesystem', 'type', 'mount', 'errors', 'events', 'last seen', 'died'], m.byFilesystem.map((f) => [f.key, f.fsType, f.mountPoint ?? '-', f.count, f.events, f.lastSeen, f.died ? 'DIED' : ''])));
  h('By errno');
  out.push(counts(m.byErrno, 'errno'));
  h('By subtype');
  out.push(counts(m.bySubtype, 'subtype'));
  for (const s of m.sections) {
    for (const t of s.tables) {
      h(`${s.title}: ${t.title}`);
      out.push(counts(t.rows, t.label));
    }
  }
  h(`Timeline (errors per ${m.timeline.bucketSec === 3600 ? 'hour' : 'day'} from ${m.timeline.start ?? '-'})`);
  for (const s of m.timeline.series) out.push(`  ${s.fs.padEnd(24)} |${spark(s.counts)}| max ${Math.max(0, ...s.counts)}\n`);
  h('Deaths');
  out.push(table(['time', 'filesystem', 'reason', 'suppressed'], m.deaths.map((d) => [d.time, d.fs, d.reason, d.suppressed])));
  h(`Losses (${m.losses.total} in ${m.losses.events} LOST events)`);
  out.push(table(['reason', 'lost'], m.losses.byReason.map((x) => [x.key, x.count])));
  if (m.losses.byFilesystem.length) out.push(table(['filesystem', 'lost'], m.losses.byFilesystem.map((x) => [x.key, x.count])));
  return printableLines(out.join(''));
}
