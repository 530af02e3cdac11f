/**
 * Replay of an offset range (what `fsfault replay` and the connectors' re-delivery use), through the
 * log's own scan(): a large log is never held in memory and reading it does not grow memory with the
 * number of rows (core/store/sqlite-store.ts). Other history readers call `log.scan(q)` directly.
 */
import type { EventLog, StoredEvent } from './types';

/** Stored events with from <= offset <= to (to: the head when the replay starts), in offset order. */
export function* replayEvents(log: EventLog, from: number, to?: number): Generator<StoredEvent> {
  yield* log.scan({ fromOffset: Math.max(1, from), toOffset: to ?? log.headOffset() });
}
