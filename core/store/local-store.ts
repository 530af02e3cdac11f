/**
 * What the fsfault commands and the pipeline use beyond the EventLog contract: the health projection,
 * housekeeping and a description of the store. Both the SQLite store and the in-memory log provide it.
 */
import type { HealthProjection } from '../projections/fs-health';
import type { RetentionOptions } from './retention';
import type { EventLog } from './types';

export type Durability = 'full' | 'normal' | 'off';

export interface StoreInfo {
  /** The SQLite file, or null for the in-memory log. */
  file: string | null;
  /** The store's permanent identity (see EventLog.storeId). */
  storeId: string;
  version: number;
  readOnly: boolean;
  /** Highest offset ever appended (0: none). */
  headOffset: number;
  /** Lowest retained offset (headOffset + 1 when nothing is retained). */
  firstOffset: number;
  rows: number;
  /** Bytes the store uses (SQLite: pages in use; memory: bodies plus per-row overhead). */
  usedBytes: number;
  durability: Durability;
  retention: RetentionOptions;
  /** Unconfirmed events removed by retention (each drop was also logged as a LOST event). */
  retentionDropped: number;
  cursors: Record<string, number>;
  sourceCursors: Record<string, string>;
}

export interface LocalStore extends EventLog {
  /** The persisted projection, as kept incrementally by append. */
  health(): HealthProjection;
  /** The projection folded afresh from the retained log (no writes; works read-only). */
  projectFromLog(): HealthProjection;
  /** Replace the persisted projection with projectFromLog() (writer only). */
  rebuildProjections(): HealthProjection;
  /** Apply age retention now (the writer calls it on a timer when no appends come). Returns rows removed. */
  enforceRetention(): number;
  info(): StoreInfo;
}
