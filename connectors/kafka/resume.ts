/**
 * Interpreting what already arrived (pure; reading the topic is the adapter's job).
 *
 * Every message carries its producing store's identity and store offset (headers.ts). Offsets mean
 * something only together with the identity: a new store under the same host name starts at 1
 * again, and matching on the host name made such a store skip (lose) everything up to the old
 * store's highest offset. One filesystem's events go to one partition in store-offset order, and
 * the connector sends a batch only after the previous one was acknowledged, so in each partition
 * the newest message of this store carries the highest offset of this store that reached that
 * partition; everything of this store routed there at or below it has arrived. After a crash or an
 * ambiguous send failure the connector therefore skips an event when its offset <=
 * arrived[partition of its key]. Messages without the identity header (written by fsfault before
 * it had one) never match: such a store publishes from its committed cursor (at-least-once).
 */
import { parseHeaders } from './headers';

export interface HeaderedMessage {
  partition: number;
  headers: Record<string, Buffer | string | undefined>;
}

/** partition → highest store offset of store `storeId` found among `messages` (partitions without one are absent). */
export function arrivedByPartition(messages: readonly HeaderedMessage[], storeId: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of messages) {
    const h = parseHeaders(m.headers);
    if (!h || h.storeId === null || h.storeId !== storeId) continue;
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
