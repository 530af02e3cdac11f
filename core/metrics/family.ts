/**
 * What every metric of fsfault is, before it is exposed: a family (name, type, help, label names)
 * and its samples read from a snapshot at scrape time. The families are plain data so each part of
 * the agent (pipeline, filesystems, connectors, sources) describes its own in its own file, and only
 * core/edges/prometheus.ts knows the exposition library.
 */
export interface MetricSample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  /** Every label a sample may carry (fixed per family: the exposition library needs them up front). */
  labelNames?: readonly string[];
  samples: readonly MetricSample[];
}
