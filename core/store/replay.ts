/**
 * Reading history: replay of an offset range (what `fsfault replay` and the connectors' re-delivery
 * use) and a scan of a query, both through the log's own scan(), so a large log is never held in
 * memory and reading it does not grow memory with the number of rows (core/store/sqlite-store.ts).
 */
import type { EventLog, EventQuery, StoredEvent } from './types';

/** Stored events with from <= offset <= to (to: the head when the replay starts), in offset order. */
export function* replayEvents(log: EventLog, from: number, to?: number): Generator<StoredEvent> {
  yield* log.scan({ fromOffset: Math.max(1, from), toOffset: to ?? log.headOffset() });
}

/** Every event matching `q` (its limit applies to the total), in offset order. */
export function* scanQuery(log: EventLog, q: EventQuery): Generator<StoredEvent> {
  yield* log.scan(q);
}
