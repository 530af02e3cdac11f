/**
 * Folds the events of one events-topic partition into fleet-state records with the local status
 * projection's own `foldEvent` (core/projections/fs-health): the fleet and `fsfault status` agree
 * by construction. What this file adds is what a distributed fold needs:
 *   - records per host (the projection is per store, the partition carries many hosts);
 *   - idempotence: each record remembers the highest store offset of its host applied to it, so an
 *     event delivered again (after a crash before the offset commit, or a producer retry) changes
 *     nothing. Per record, not per host: a LOST event touches several records, and a crash may have
 *     written some of them and not others — each one then knows for itself;
 *   - the records it changed since the last flush (what goes to the fleet-state topic).
 */
import { emptyHost, foldEvent, type FsHealth } from '../core/projections/fs-health';
import type { FsEvent } from '../core/model/event';
import { STATE_RECORD_VERSION, stateKey, type FleetStateRecord } from './state-record';

export interface EventMeta {
  host: string;
  storeOffset: number;
  storeId: string | null;
}

/** Whether an event with `meta` was already applied to `r`. */
export function alreadyApplied(r: FleetStateRecord, meta: EventMeta): boolean {
  // Offsets of two different stores cannot be compared: a new store of the host starts a new count.
  if ((r.applied.storeId ?? null) !== (meta.storeId ?? null)) return false;
  return meta.storeOffset <= r.applied.offset;
}

export class PartitionFold {
  /** key = stateKey(partition, host, healthKey). */
  readonly records = new Map<string, FleetStateRecord>();
  private readonly dirty = new Set<string>();
  applied = 0;
  skipped = 0;

  constructor(readonly partition: number, restored: Iterable<FleetStateRecord> = []) {
    for (const r of restored) this.records.set(stateKey(r.partition, r.host, r.health.key), r);
  }

  apply(e: FsEvent, meta: EventMeta, now = Date.now()): void {
    const touched: FleetStateRecord[] = [];
    let skippedAny = false;
    const view = {
      // Host totals are per agent and come from its agent record; the fold's host part is scratch.
      host: emptyHost(),
      get: (key: string): FsHealth | undefined => {
        const r = this.records.get(stateKey(this.partition, meta.host, key));
        if (r && alreadyApplied(r, meta)) {
          skippedAny = true;
          return structuredClone(r.health); // folded into a copy that set() throws away
        }
        return r?.health;
      },
      set: (h: FsHealth): void => {
        const k = stateKey(this.partition, meta.host, h.key);
        const r = this.records.get(k);
        if (r && alreadyApplied(r, meta)) return;
        const rec: FleetStateRecord = r ?? {
          v: STATE_RECORD_VERSION,
          partition: this.partition,
          host: meta.host,
          health: h,
          lastEventTime: 0,
          applied: { storeId: meta.storeId, offset: 0 },
          updatedAt: now,
        };
        rec.health = h;
        touched.push(rec);
        this.records.set(k, rec);
      },
    };
    foldEvent(view, meta.storeOffset, e);
    for (const rec of new Set(touched)) {
      rec.applied = { storeId: meta.storeId, offset: meta.storeOffset };
      rec.lastEventTime = Math.max(rec.lastEventTime, e.lastSeen);
      rec.updatedAt = now;
      this.dirty.add(stateKey(rec.partition, rec.host, rec.health.key));
    }
    if (touched.length) this.applied++;
    else if (skippedAny) this.skipped++;
  }

  /** Records changed since the last call (and forgets them). */
  takeDirty(): FleetStateRecord[] {
    const out: FleetStateRecord[] = [];
    for (const k of this.dirty) out.push(this.records.get(k)!);
    this.dirty.clear();
    return out;
  }

  /** Give records back after a failed write, so the next flush writes them again. */
  markDirty(records: readonly FleetStateRecord[]): void {
    for (const r of records) this.dirty.add(stateKey(r.partition, r.host, r.health.key));
  }
}
