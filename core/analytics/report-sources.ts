/**
 * Feeding the report: the local store (any EventLog) and Avro container files from anywhere
 * (fsfault's own, another host's, another writer's). A damaged file is a warning naming the file
 * and byte offset; the records before the damage are kept and every other input is still read.
 */
import { isFsfaultError } from '../errors';
import type { EventLog } from '../store/types';
import { OcfReader } from '../avro/ocf-reader';
import { fromAvroRecord, fromFsEvent } from './report-event';
import type { ReportBuilder } from './report-model';

const PAGE = 5000;

export function addStore(b: ReportBuilder, label: string, log: EventLog, range: { since?: number; until?: number }): void {
  let events = 0;
  for (let from = 1; ; ) {
    const page = log.query({ since: range.since, until: range.until, fromOffset: from, limit: PAGE });
    for (const se of page) if (b.add(fromFsEvent(se.event))) events++;
    if (page.length < PAGE) break;
    from = page[page.length - 1]!.offset + 1;
  }
  b.inputs.push({ input: label, kind: 'store', events, error: null });
}

export function addAvroFile(b: ReportBuilder, file: string): void {
  let events = 0;
  let skipped = 0;
  let reader: OcfReader | null = null;
  try {
    reader = OcfReader.open(file);
    for (const rec of reader.records()) {
      const e = fromAvroRecord(rec);
      if (!e) skipped++;
      else if (b.add(e)) events++;
    }
    if (skipped) b.warnings.push(`${file}: ${skipped} record(s) are not fsfault events (no host/kind/fs/firstSeen) and were skipped`);
    b.inputs.push({ input: file, kind: 'avro', events, error: null });
  } catch (e) {
    if (!isFsfaultError(e)) throw e;
    const kept = events ? `; the ${events} event(s) before the damage are included` : '';
    b.warnings.push(`${e.message}${kept}`);
    b.inputs.push({ input: file, kind: 'avro', events, error: e.message });
  } finally {
    reader?.close();
  }
}
