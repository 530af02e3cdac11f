/**
 * The fleet-state records the view holds, by key, kept as the bytes read from the topic until a
 * query or a restore needs them.
 *
 * Why not decoded on read: in an error storm the fleet writes about one state record per event it
 * folds and every instance reads each one back, while most are superseded (same key) before anyone
 * looks at them — a query merges the latest record per key, a restore reads only the owned
 * partitions'. Decoding each on arrival was ~5 % of `fleet serve`'s CPU in bench/fleet (plus the
 * garbage of the decoded objects). A record is decoded at most once: the decoded object replaces
 * its bytes.
 *
 * The bytes are copied: kafkajs hands out views into the whole (decompressed) fetched batch, and
 * keeping one view per key would keep every batch that still holds a live key in memory.
 */
import { decodeState, isStateValue, stateKeyPartition, type FleetStateRecord } from './state-record';

export class StateRecords {
  private readonly byKey = new Map<string, FleetStateRecord | Buffer>();
  /** Values that looked like state records but did not decode (dropped when first needed). */
  undecodable = 0;

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Applies one record of the state topic: a tombstone removes the key; a value that is not a
   * state record of a version this code reads is ignored (the previous record stays), as before.
   */
  apply(key: string, value: Buffer | null): void {
    if (value === null) this.byKey.delete(key);
    else if (isStateValue(value)) this.byKey.set(key, Buffer.from(value));
  }

  get(key: string): FleetStateRecord | undefined {
    const v = this.byKey.get(key);
    return v === undefined ? undefined : (this.decoded(key, v) ?? undefined);
  }

  /** Every record, decoded (and kept decoded). */
  *values(): IterableIterator<FleetStateRecord> {
    for (const [key, v] of this.byKey) {
      const r = this.decoded(key, v);
      if (r) yield r;
    }
  }

  /**
   * The records of some events partitions. Only those are decoded: the partition is the key's
   * first segment (state-record.ts `stateKey`), checked again on the decoded record.
   */
  *ofPartitions(partitions: ReadonlySet<number>): IterableIterator<FleetStateRecord> {
    for (const [key, v] of this.byKey) {
      if (!partitions.has(stateKeyPartition(key))) continue;
      const r = this.decoded(key, v);
      if (r && partitions.has(r.partition)) yield r;
    }
  }

  private decoded(key: string, v: FleetStateRecord | Buffer): FleetStateRecord | null {
    if (!Buffer.isBuffer(v)) return v;
    const r = decodeState(v);
    if (r) this.byKey.set(key, r);
    else {
      this.byKey.delete(key);
      this.undecodable++;
    }
    return r;
  }
}
