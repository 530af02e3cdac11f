/**
 * The pipeline's own counters, in a leaf file so that the metrics exposition can name them without
 * importing the pipeline (which imports the metrics snapshot type): no type cycle.
 */
export interface PipelineStats {
  records: number;
  kmsgSeq: number | null;
  appended: number;
  storeRetries: number;
  /** Kernel-log records folded into the previous report as continuation lines. */
  continued: number;
}

/** Counters of the live source that the metrics endpoint and `status` show. */
export interface LiveSourceCounters {
  /** Kernel-log records a user process wrote (facility != 0), rejected by the reader. */
  kmsgRejected: number;
  /** Kernel-log records the reader read (delivered or rejected); with kmsgLostRecords, every seq it passed. */
  kmsgRecordsRead: number;
  /** Kernel-log records overwritten in the ring before the reader got to them (exact sequence gaps). */
  kmsgLostRecords: number;
  /** Handle → path lookups that did not finish in time (the event went on without a path). */
  resolveTimeouts: number;
  /** Lookups refused because too many were already waiting. */
  resolveRefused: number;
  /** Filesystem probes (XFS health ioctls) that did not finish in time. */
  probeTimeouts: number;
}

/** Source cursor holding the kernel-log records rejected over the store's life (shown by `status`). */
export const KMSG_REJECTED_CURSOR = 'kmsg.rejected';
