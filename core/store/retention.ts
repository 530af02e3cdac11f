/**
 * Retention rules shared by the SQLite store and the in-memory log. Rows are only ever removed from
 * the front of the log (oldest first), so the retained offsets stay one gapless range.
 *
 * - Age: rows stored more than maxAgeDays ago go.
 * - Size: when an append would take the store over maxBytes, the oldest rows go until it fits.
 * - A row some connector has not confirmed (offset > its cursor) is removed only under the
 *   drop-oldest policy, and then the drop is appended as a LOST event (reason retention-drop), in
 *   the same transaction. Under block, an append that does not fit fails with STORE_FULL and
 *   nothing of it is stored; the pipeline keeps the events queued.
 */
import { randomUUID } from 'node:crypto';
import { FsfaultError } from '../errors';
import { coreEvent, type FsEvent } from '../model/event';

export type RetentionPolicy = 'block' | 'drop-oldest';

export interface RetentionOptions {
  maxAgeDays: number;
  maxBytes: number;
  policy: RetentionPolicy;
}

export const DEFAULT_RETENTION: RetentionOptions = { maxAgeDays: 90, maxBytes: 1024 * 1024 * 1024, policy: 'block' };

export const RETENTION_DROP_REASON = 'retention-drop';

/** Rows removed in one pass, so a large age cut does not stall one append. */
export const MAX_DELETE_PER_APPEND = 10_000;

/** Caps of the LOST detail lists, as the queue's rescue event has them. */
const CAP_FILESYSTEMS = 32;
const CAP_ERRNOS = 16;

export function ageCutoffUs(nowUs: number, maxAgeDays: number): number {
  return nowUs - Math.round(maxAgeDays * 86_400e6);
}

/**
 * The highest offset every registered connector has confirmed (head when no connector is
 * registered: then the log is history only, and nothing in it awaits delivery).
 */
export function confirmedUpTo(cursors: Record<string, number>, head: number): number {
  let min = head;
  for (const v of Object.values(cursors)) if (v < min) min = v;
  return min;
}

export interface DroppedRow {
  device: string | null;
  errno: number | null;
  firstSeen: number;
  lastSeen: number;
}

/** The LOST event that records unconfirmed rows removed by retention under drop-oldest. */
export function retentionLostEvent(host: string, dropped: readonly DroppedRow[], nowUs: number): FsEvent {
  const byDevice = new Map<string, number>();
  const errnos = new Set<number>();
  let first = Infinity;
  let last = 0;
  for (const d of dropped) {
    let dev = d.device ?? '*';
    if (!byDevice.has(dev) && byDevice.size >= CAP_FILESYSTEMS) dev = '*';
    byDevice.set(dev, (byDevice.get(dev) ?? 0) + 1);
    if (d.errno !== null && errnos.size < CAP_ERRNOS) errnos.add(d.errno);
    first = Math.min(first, d.firstSeen);
    last = Math.max(last, d.lastSeen);
  }
  const devices = [...byDevice.keys()];
  const single = devices.length === 1 && devices[0] !== '*' ? devices[0]! : null;
  return coreEvent('LOST', randomUUID(), host, { type: '*', device: single, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null }, {
    count: dropped.length,
    firstSeen: Number.isFinite(first) ? first : nowUs,
    lastSeen: last || nowUs,
    lost: {
      byFilesystem: [...byDevice].map(([device, count]) => ({ device, count })),
      errnos: [...errnos],
      reasons: [{ reason: RETENTION_DROP_REASON, count: dropped.length }],
    },
  });
}

export function storeFullError(where: string, usedBytes: number, neededBytes: number, maxBytes: number, unconfirmedFrom: number): FsfaultError {
  return new FsfaultError(
    'STORE_FULL',
    `${where}: the store holds ${usedBytes} bytes and this append needs ${neededBytes} more, over store.retention.maxBytes ${maxBytes}; ` +
      `rows from offset ${unconfirmedFrom} on are not confirmed by every connector, and the policy is 'block'. ` +
      `The events wait in the queue. Fix: get the connectors delivering, raise maxBytes, or set policy drop-oldest`,
    { retriable: true, details: { path: where, usedBytes, neededBytes, maxBytes } },
  );
}
