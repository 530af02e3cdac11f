/**
 * Prometheus text exposition of fsfault's counters. Names follow `fsfault_<thing>_<unit>_total`;
 * every path an input event can take is its own counter, so the accounting identity can be checked
 * from outside: pushed = emitted + merged + rescued + suppressed + died.
 */
import type { QueueCounters } from '../queue/queue-counters';
import type { LiveSourceCounters, PipelineStats } from '../pipeline/pipeline-stats';
import type { PumpStats } from '../pipeline/connector-pump';
import type { ClassifierCounters } from '../pipeline/classifier';

export interface MetricsSnapshot {
  queue: QueueCounters;
  pipeline: PipelineStats;
  classifier: ClassifierCounters;
  pumps: readonly PumpStats[];
  storeHeadOffset: number;
  /** The live source's counters; null when no live source runs (replay). */
  source: LiveSourceCounters | null;
}

type Sample = { labels?: Record<string, string>; value: number };

function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const s of samples) {
    const l = s.labels && Object.keys(s.labels).length ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}` : '';
    lines.push(`${name}${l} ${Number.isFinite(s.value) ? s.value : 0}`);
  }
  return lines.join('\n');
}

export function exposition(m: MetricsSnapshot): string {
  const q = m.queue;
  const byPath = (inputs: Record<string, number>) => Object.entries(inputs).map(([path, value]) => ({ labels: { path }, value }));
  const perConnector = (f: (p: PumpStats) => number) => m.pumps.map((p) => ({ labels: { connector: p.name }, value: f(p) }));
  return (
    [
      family('fsfault_input_events_total', 'counter', 'Classified events pushed to the core queue, by where they went.', byPath({
        emitted: q.emittedNew,
        merged: q.merged,
        rescued: q.rescued,
        suppressed: q.suppressed,
        died: q.died,
      })),
      family('fsfault_input_errors_total', 'counter', 'Kernel errors the pushed events stood for, by where they went.', byPath({
        emitted: q.emittedNewErrors,
        merged: q.mergedErrors,
        rescued: q.rescuedErrors,
        suppressed: q.suppressedErrors,
        died: q.diedErrors,
      })),
      family('fsfault_upstream_lost_total', 'counter', 'Records lost before the queue (kernel-log overrun, fanotify overflow, counter mismatch, plugin failure).', [{ value: q.upstreamLost }]),
      family('fsfault_evicted_events_total', 'counter', 'Queued inputs shed into the rescue event by a budget shrink.', [{ value: q.evicted }]),
      family('fsfault_plugin_errors_total', 'counter', 'Plugin calls that threw (classify, merge, terminal, continuation).', [{ value: q.pluginErrors + m.classifier.pluginErrors }]),
      family('fsfault_raw_records_total', 'counter', 'Raw records read from the sources.', [{ value: m.pipeline.records }]),
      family('fsfault_unclaimed_records_total', 'counter', 'Raw records no plugin claimed (not filesystem errors).', [{ value: m.classifier.unclaimed }]),
      family('fsfault_queue_events', 'gauge', 'Events in the core queue now.', [{ value: q.queuedNow }]),
      family('fsfault_queue_bytes', 'gauge', 'Bytes charged to the core queue budget now.', [{ value: q.bytesNow }]),
      family('fsfault_store_appended_events_total', 'counter', 'Events appended to the store by this process.', [{ value: m.pipeline.appended }]),
      family('fsfault_store_append_retries_total', 'counter', 'Store appends that failed and were retried.', [{ value: m.pipeline.storeRetries }]),
      family('fsfault_store_head_offset', 'gauge', 'Highest offset in the store.', [{ value: m.storeHeadOffset }]),
      family('fsfault_connector_committed_offset', 'gauge', 'Store offset each connector confirmed as delivered.', perConnector((p) => p.committed)),
      family('fsfault_connector_lag_events', 'gauge', 'Stored events a connector has not confirmed yet.', perConnector((p) => Math.max(0, m.storeHeadOffset - p.committed))),
      family('fsfault_connector_delivered_events_total', 'counter', 'Events handed to each connector.', perConnector((p) => p.delivered)),
      family('fsfault_connector_retries_total', 'counter', 'Failed deliveries retried, per connector.', perConnector((p) => p.retries)),
      family('fsfault_connector_up', 'gauge', '1 while the connector runs, 0 once it stopped with an error.', perConnector((p) => (p.stopped && p.lastError ? 0 : 1))),
      ...(m.source ? sourceFamilies(m.source) : []),
    ].join('\n') + '\n'
  );
}

function sourceFamilies(s: LiveSourceCounters): string[] {
  return [
    family('fsfault_kmsg_rejected_records_total', 'counter', 'Kernel-log records written by user processes (facility != 0), rejected: a rising count is someone writing to /dev/kmsg.', [{ value: s.kmsgRejected }]),
    family('fsfault_path_resolve_timeouts_total', 'counter', 'fanotify handle → path lookups that did not finish in time (the event went on with pathError TIMEOUT).', [{ value: s.resolveTimeouts }]),
    family('fsfault_path_resolve_refused_total', 'counter', 'Handle lookups not started because too many were waiting (the event went on with pathError BUSY).', [{ value: s.resolveRefused }]),
    family('fsfault_probe_timeouts_total', 'counter', 'Filesystem health probes (XFS ioctls) that did not finish in time.', [{ value: s.probeTimeouts }]),
  ];
}
