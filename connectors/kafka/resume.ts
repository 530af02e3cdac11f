/**
 * Interpreting what already arrived (pure; reading the topic is the adapter's job).
 *
 * Every message carries its producing host and store offset (headers.ts). One filesystem's events
 * go to one partition in store-offset order, and the connector sends a batch only after the
 * previous one was acknowledged, so in each partition the newest message of this host carries the
 * highest store offset of this host that reached that partition; everything of this host routed
 * to that partition at or below it has arrived. After a crash or an ambiguous send failure the
 * connector therefore skips an event when its offset <= arrived[partition of its key].
 */
import { parseHeaders } from './headers';

export interface HeaderedMessage {
  partition: number;
  headers: Record<string, Buffer | string | undefined>;
}

/** partition → highest store offset of `host` found among `messages` (partitions without one are absent). */
export function arrivedByPartition(messages: readonly HeaderedMessage[], host: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of messages) {
    const h = parseHeaders(m.headers);
    if (!h || h.host !== host) continue;
    const prev = out.get(m.partition);
    if (prev === undefined || h.storeOffset > prev) out.set(m.partition, h.storeOffset);
  }
  return out;
}

/**
 * The contiguous prefix: walking store events after `committed` in order, the last offset before
 * the first one that has not arrived. The pump can commit it at once; later arrived ones are
 * skipped by deliver().
 */
export function contiguousArrived(
  events: readonly { offset: number; partition: number }[],
  arrived: ReadonlyMap<number, number>,
  committed: number,
): { offset: number; complete: boolean } {
  let offset = committed;
  for (const e of events) {
    if (e.offset <= offset) continue;
    const a = arrived.get(e.partition);
    if (a === undefined || e.offset > a) return { offset, complete: true };
    offset = e.offset;
  }
  return { offset, complete: false };
}
