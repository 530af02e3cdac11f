/**
 * Reading history in bounded chunks: replay of an offset range (what `fsfault replay` and the
 * connectors' re-delivery use) and a chunked scan of a query, so a large log is never held in memory.
 */
import type { EventLog, EventQuery, StoredEvent } from './types';

const CHUNK = 1000;

/** Stored events with from <= offset <= to (to: the head at the time of the call), in offset order. */
export function* replayEvents(log: EventLog, from: number, to?: number, chunk = CHUNK): Generator<StoredEvent> {
  const last = to ?? log.headOffset();
  for (let after = Math.max(0, from - 1); after < last; ) {
    const batch = log.readAfter(after, Math.min(chunk, last - after));
    if (batch.length === 0) return;
    for (const s of batch) {
      if (s.offset > last) return;
      yield s;
    }
    after = batch[batch.length - 1]!.offset;
  }
}

/** Every event matching `q` (its limit applies to the total), read `chunk` rows at a time. */
export function* scanQuery(log: EventLog, q: EventQuery, chunk = 5000): Generator<StoredEvent> {
  let left = q.limit ?? Infinity;
  let from = q.fromOffset ?? 1;
  while (left > 0) {
    const batch = log.query({ ...q, fromOffset: from, limit: Math.min(chunk, left) });
    for (const s of batch) yield s;
    if (batch.length < Math.min(chunk, left)) return;
    left -= batch.length;
    from = batch[batch.length - 1]!.offset + 1;
  }
}
