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
  if (format === 'json') return JSON.stringify(m, null, 2) + '\n';
  if (format === 'html') return renderHtml(m);
  return renderText(m);
}
