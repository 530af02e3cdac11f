/**
 * The fleet-state record: one filesystem of one host as folded from ONE partition of the events
 * topic, written to the log-compacted fleet-state topic. JSON (not Avro): it is fsfault's own
 * internal changelog, read only by fsfault, and a plain text value is easy to inspect with any
 * console consumer; `v` versions it.
 *
 * Key = `<events partition>/<host>/<health key>`. The source partition is part of the key because
 * one filesystem's figures can come from two partitions: errors travel under the filesystem's own
 * message key, while a host's LOST events (key `host/*\/-`) attribute losses to its filesystems from
 * another partition. Each record then has exactly one writer (the owner of that partition), and
 * queries merge a filesystem's records (merge.ts). A key of host + filesystem alone would need
 * the events partitioned by host (fleet/README.md says why that is not the case).
 */
import type { FsHealth } from '../core/projections/fs-health';

export const STATE_RECORD_VERSION = 1;

export interface AppliedMark {
  /** Permanent identity of the host's store, when its messages carry one (else null). */
  storeId: string | null;
  /** Highest store offset of that host applied to this record. */
  offset: number;
}

export interface FleetStateRecord {
  v: number;
  /** Events-topic partition whose events this record folds. */
  partition: number;
  host: string;
  /** The same fold as `fsfault status` (core/projections/fs-health). */
  health: FsHealth;
  /** µs: newest lastSeen of the events applied to it. */
  lastEventTime: number;
  applied: AppliedMark;
  /** ms: when the fleet wrote it. */
  updatedAt: number;
}

export function stateKey(partition: number, host: string, healthKey: string): string {
  return `${partition}/${host}/${healthKey}`;
}

export function encodeState(r: FleetStateRecord): Buffer {
  return Buffer.from(JSON.stringify(r));
}

/** null for a value that is not a fleet-state record of a version this code reads. */
export function decodeState(value: Buffer | null): FleetStateRecord | null {
  if (!value) return null;
  try {
    const r = JSON.parse(value.toString('utf8')) as FleetStateRecord;
    return r && r.v === STATE_RECORD_VERSION && typeof r.host === 'string' && r.health ? r : null;
  } catch {
    return null;
  }
}
