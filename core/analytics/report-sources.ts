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

const PROGRESS_EVERY = 5000;

/** `progress(n)`: n more records were read (for a progress indicator). */
export function addStore(b: ReportBuilder, label: string, log: EventLog, range: { since?: number; until?: number }, progress?: (n: number) => void): void {
  let events = 0;
  const dupsBefore = b.duplicates;
  // The store's scan: memory stays flat over any number of events (core/store/sqlite-store.ts scan()).
  let read = 0;
  for (const se of log.scan({ since: range.since, until: range.until })) {
    if (b.add(fromFsEvent(se.event))) events++;
    if (++read === PROGRESS_EVERY) {
      progress?.(read);
      read = 0;
    }
  }
  progress?.(read);
  b.inputs.push({ input: label, kind: 'store', events, duplicates: b.duplicates - dupsBefore, error: null });
}

export function addAvroFile(b: ReportBuilder, file: string, progress?: (n: number) => void): void {
  let events = 0;
  let records = 0;
  const dupsBefore = b.duplicates;
  let skipped = 0;
  let reader: OcfReader | null = null;
  try {
    reader = OcfReader.open(file);
    for (const rec of reader.records()) {
      const e = fromAvroRecord(rec);
      if (!e) skipped++;
      else if (b.add(e)) events++;
      if (++records % 1000 === 0) progress?.(1000);
    }
    if (skipped) b.warnings.push(`${file}: ${skipped} record(s) are not fsfault events (no host/kind/fs/firstSeen) and were skipped`);
    b.inputs.push({ input: file, kind: 'avro', events, duplicates: b.duplicates - dupsBefore, error: null });
  } catch (e) {
    if (!isFsfaultError(e)) throw e;
    const kept = events ? `; the ${events} event(s) before the damage are included` : '';
    b.warnings.push(`${e.message}${kept}`);
    b.inputs.push({ input: file, kind: 'avro', events, duplicates: b.duplicates - dupsBefore, error: e.message });
  } finally {
    reader?.close();
  }
}
