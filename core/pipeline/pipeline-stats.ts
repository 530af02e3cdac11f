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
