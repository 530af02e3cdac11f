import type { Blob, FsEvent, FsIdentity } from '../model/event';

/**
 * Plugin behaviour the queue needs, injected so the queue never sees the plugin registry (the core
 * wires these to the plugin named by `event.plugin`). Any of them may throw; the queue counts it.
 */
export interface QueueHooks {
  /** Plugin merge key; the queue scopes it by filesystem. null: never merges. */
  mergeKey(e: FsEvent): string | null;
  /** The merged blob for `into` (the queue merges the generic fields). */
  merge(into: FsEvent, from: FsEvent): Blob;
  /** Reason when this event kills its filesystem ("and then we died"), else null. */
  terminal(e: FsEvent): string | null;
}

export interface QueueOptions {
  /** Byte budget for queued events (see QUEUE_EVENT_OVERHEAD_BYTES for what one event costs). */
  budgetBytes: number;
  /** Most ERROR events queued for one filesystem at a time. */
  perFsMaxEvents: number;
  /**
   * How an event is charged; give one of the two. `encode`: the Avro body (the core passes the
   * codec), charged by its length and kept with the event, so an event the queue hands out
   * unchanged is stored with that same body (one encoding per event). `sizeOf`: the size only.
   * Either may throw (the event is then lost as `encode-failed`).
   */
  encode?(e: FsEvent): Buffer;
  sizeOf?(e: FsEvent): number;
  hooks: QueueHooks;
  /** Host name written into core-made events (LOST, SUPPRESSED). */
  host: string;
  /** Id for core-made events; default crypto.randomUUID. */
  newId?: () => string;
  /** Caps of the rescue event's detail lists; defaults in RESCUE_CAPS. */
  rescueCaps?: Partial<RescueCaps>;
}

export interface RescueCaps {
  /** Named devices in lost.byFilesystem; further devices are counted under '*'. */
  filesystems: number;
  /** Distinct errnos in lost.errnos; further ones are not listed. */
  errnos: number;
  /** Distinct reasons in lost.reasons; further ones are counted under 'other'. */
  reasons: number;
}

/** Where a pushed event went. */
export type PushOutcome = 'queued' | 'merged' | 'rescued' | 'suppressed' | 'died';

/** A loss that happened before the queue (kernel log overrun, fanotify overflow, counter mismatch). */
export interface LossReport {
  reason: string;
  /** Events/records lost; at least 1 when unknown. */
  count: number;
  /** Device short name, or null when not attributable. */
  device: string | null;
  errno?: number | null;
  timeUs: number;
  /** Full identity when the source knows the mount; lets a single-filesystem LOST name it. */
  fs?: FsIdentity | null;
}
