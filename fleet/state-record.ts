/**
 * The fleet-state record: one filesystem of one host as folded from ONE partition of the events
 * topic, written to the log-compacted fleet-state topic. It is fsfault's own internal changelog,
 * read only by fsfault, so it carries no registry id: the value is one version byte and the Avro
 * binary body of STATE_SCHEMA (below).
 *
 * Why Avro and not JSON (version 1, still read, so a state topic written by an older fsfault
 * restores): the fleet writes about one state record per event it folds in an error storm (every
 * event changes its filesystem's record) and every instance reads them all back. JSON made a
 * record ~600 bytes against ~150 for Avro; its encoding, kafkajs' copying of those bytes into the
 * produce request, their compression and JSON.parse in every instance's view were together about
 * a third of `fleet serve`'s CPU in bench/fleet. `fsfault fleet status --json` prints the records'
 * content for anyone inspecting the topic.
 *
 * Key = `<events partition>/<host>/<health key>`. The source partition is part of the key because
 * one filesystem's figures can come from two partitions: errors travel under the filesystem's own
 * message key, while a host's LOST events (key `host/*\/-`) attribute losses to its filesystems from
 * another partition. Each record then has exactly one writer (the owner of that partition), and
 * queries merge a filesystem's records (merge.ts). A key of host + filesystem alone would need
 * the events partitioned by host (fleet/README.md says why that is not the case).
 */
import type { FsHealth } from '../core/projections/fs-health';
import { parseAvroSchema } from '../core/edges/avro';

/** Version of the record in memory and the first byte of an Avro value (a JSON value starts with `{`). */
export const STATE_RECORD_VERSION = 2;
const JSON_VERSION = 1;

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

/**
 * Kafka header on every fleet-state record: which member wrote it, as `instance/epoch` (a random id
 * per `fleet serve` process, and its group-join count). The owner of a partition uses it to notice a
 * record it did not write in its current membership (group-member.ts `checkWriter`).
 */
export const H_FLEET_WRITER = 'fsfault.fleet.writer';

export function stateKey(partition: number, host: string, healthKey: string): string {
  return `${partition}/${host}/${healthKey}`;
}

/** The events partition a state key belongs to (its first segment), without decoding the record. */
export function stateKeyPartition(key: string): number {
  return Number(key.slice(0, key.indexOf('/')));
}

const opt = (type: unknown) => ['null', type];
const errorMark = { type: 'record', name: 'ErrorMark', fields: [
  { name: 'offset', type: 'long' },
  { name: 'time', type: 'long' },
  { name: 'errno', type: opt('int') },
  { name: 'errnoName', type: opt('string') },
] };
/** The Avro schema of a state record (version 2): FsHealth as core/projections/fs-health.ts has it. */
export const STATE_SCHEMA = {
  type: 'record',
  name: 'FleetState',
  namespace: 'io.fsfault.fleet',
  fields: [
    { name: 'partition', type: 'int' },
    { name: 'host', type: 'string' },
    { name: 'health', type: { type: 'record', name: 'FsHealth', fields: [
      { name: 'key', type: 'string' },
      { name: 'fs', type: { type: 'record', name: 'FsIdentity', fields: [
        { name: 'type', type: 'string' },
        ...['device', 'majorMinor', 'fsid', 'uuid', 'mountPoint'].map((name) => ({ name, type: opt('string') })),
        { name: 'mountUid', type: opt('long') },
      ] } },
      { name: 'state', type: 'string' },
      { name: 'errors', type: 'long' },
      { name: 'events', type: 'long' },
      { name: 'byErrno', type: { type: 'map', values: 'long' } },
      { name: 'bySubtype', type: { type: 'map', values: 'long' } },
      { name: 'firstError', type: opt(errorMark) },
      { name: 'lastError', type: opt('ErrorMark') },
      { name: 'lastDied', type: opt({ type: 'record', name: 'DiedMark', fields: [
        { name: 'offset', type: 'long' },
        { name: 'time', type: 'long' },
        { name: 'reason', type: 'string' },
      ] }) },
      { name: 'deaths', type: 'long' },
      { name: 'suppressed', type: 'long' },
      { name: 'lost', type: 'long' },
    ] } },
    { name: 'lastEventTime', type: 'long' },
    { name: 'applied', type: { type: 'record', name: 'AppliedMark', fields: [
      { name: 'storeId', type: opt('string') },
      { name: 'offset', type: 'long' },
    ] } },
    { name: 'updatedAt', type: 'long' },
  ],
};
const stateType = parseAvroSchema(STATE_SCHEMA, { plainRecords: true });

/** Scratch space of encodeState: a record is encoded here and copied out once (grown when needed). */
let scratch = Buffer.allocUnsafe(4096);

export function encodeState(r: FleetStateRecord): Buffer {
  // One allocation per record (the fleet writes ~one per folded event): avsc's toBuffer would copy
  // the body out of its own scratch, and the version byte would need a second buffer and copy.
  for (;;) {
    scratch[0] = STATE_RECORD_VERSION;
    const end = stateType.encode(r, scratch, 1);
    if (end > 0) return Buffer.from(scratch.subarray(0, end));
    scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end + 1)); // avsc: −(bytes missing)
  }
}

/** Whether a value looks like a state record this code reads (by its first byte; the body is not checked). */
export function isStateValue(value: Buffer | null): value is Buffer {
  return !!value && value.length > 0 && (value[0] === STATE_RECORD_VERSION || value[0] === 0x7b);
}

/** null for a value that is not a fleet-state record of a version this code reads. */
export function decodeState(value: Buffer | null): FleetStateRecord | null {
  if (!value || value.length === 0) return null;
  try {
    if (value[0] === STATE_RECORD_VERSION) {
      const r = stateType.fromBuffer(value.subarray(1)) as Omit<FleetStateRecord, 'v'>;
      return { v: STATE_RECORD_VERSION, ...r };
    }
    if (value[0] !== 0x7b) return null; // neither Avro (version byte) nor JSON
    const r = JSON.parse(value.toString('utf8')) as FleetStateRecord;
    return r && r.v === JSON_VERSION && typeof r.host === 'string' && r.health ? { ...r, v: STATE_RECORD_VERSION } : null;
  } catch {
    return null;
  }
}
