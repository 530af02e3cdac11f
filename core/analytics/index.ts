export { ReportBuilder, DEFAULT_RISING, reportSectionsOf, type PluginReport, type ReportModel, type RisingRule, type BuildOptions } from './report-model';
export { addStore, addAvroFile } from './report-sources';
export { fromFsEvent, fromAvroRecord, type ReportEvent } from './report-event';
export { renderText } from './render-text';
export { renderHtml } from './render-html';

import type { ReportModel } from './report-model';
import { renderHtml } from './render-html';
import { renderText } from './render-text';

export type ReportFormat = 'text' | 'json' | 'html';

export function renderReport(m: ReportModel, format: ReportFormat): string {
  return [...renderReportChunks(m, format)].join('');
}

/**
 * The report in pieces, for writing as it is made: JSON lists every death in the range (hundreds
 * of thousands over a large store), so it comes one line per death, a few thousand deaths a piece,
 * instead of one string of tens of MB. The same JSON value as `JSON.stringify(m, null, 2)`.
 */
export function* renderReportChunks(m: ReportModel, format: ReportFormat): Generator<string> {
  if (format === 'html') return yield renderHtml(m);
  if (format === 'text') return yield renderText(m);
  if (m.deaths.length === 0) return yield JSON.stringify(m, null, 2) + '\n';
  // A raw newline + two spaces + "deaths" occurs only at the top level: strings escape newlines.
  const key = '\n  "deaths": 0';
  const head = JSON.stringify({ ...m, deaths: 0 }, null, 2);
  const at = head.indexOf(key) + key.length - 1;
  yield head.slice(0, at) + '[\n';
  const PIECE = 4096;
  for (let i = 0; i < m.deaths.length; i += PIECE) {
    const piece = m.deaths.slice(i, i + PIECE).map((d) => '    ' + JSON.stringify(d));
    yield (i > 0 ? ',\n' : '') + piece.join(',\n');
  }
  yield '\n  ]' + head.slice(at + 1) + '\n';
}
