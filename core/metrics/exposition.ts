/**
 * The families of the pipeline: queue, classifier, store and connector counters. Names follow
 * `fsfault_<thing>_<unit>_total`; every path an input event can take is its own counter, so the
 * accounting identity can be checked from outside: pushed = emitted + merged + rescued + suppressed + died.
 * The per-filesystem families are in filesystem-families.ts; the server (server.ts) renders them all
 * through core/edges/prometheus.ts together with the process defaults and fsfault_build_info.
 */
import type { QueueCounters } from '../queue/queue-counters';
import type { LiveSourceCounters, PipelineStats } from '../pipeline/pipeline-stats';
import type { PumpStats } from '../pipeline/connector-pump';
import type { ClassifierCounters } from '../pipeline/classifier';
import type { HealthProjection } from '../projections/fs-health';
import type { MetricFamily, MetricSample } from './family';
import { filesystemFamilies } from './filesystem-families';

/** What a connector reports beyond the pump's counters (read at scrape time). */
export interface ConnectorMetrics extends PumpStats {
  /** Age of the oldest stored event the connector has not confirmed (0 when caught up). */
  lagSeconds: number;
  /** Schema registry id the connector frames events with (Kafka with a registry), else null. */
  schemaId: number | null;
}

export interface MetricsSnapshot {
  queue: QueueCounters;
  pipeline: PipelineStats;
  classifier: ClassifierCounters;
  pumps: readonly ConnectorMetrics[];
  storeHeadOffset: number;
  /** The store's per-filesystem health projection (null when the log keeps none). */
  health: HealthProjection | null;
  /** 1 while the pipeline runs and no connector stopped with an error. */
  ready: boolean;
  /** The live source's counters; null when no live source runs (replay). */
  source: LiveSourceCounters | null;
}

function family(name: string, type: 'counter' | 'gauge', help: string, samples: MetricSample[], labelNames: string[] = []): MetricFamily {
  return { name, type, help, labelNames, samples };
}

export function pipelineFamilies(m: MetricsSnapshot): MetricFamily[] {
  const q = m.queue;
  const byPath = (inputs: Record<string, number>) => Object.entries(inputs).map(([path, value]) => ({ labels: { path }, value }));
  return [
    family('fsfault_ready', 'gauge', '1 while the pipeline runs and no connector stopped with an error (what /readyz says).', [{ value: m.ready ? 1 : 0 }]),
    family('fsfault_input_events_total', 'counter', 'Classified events pushed to the core queue, by where they went.', byPath({
      emitted: q.emittedNew,
      merged: q.merged,
      rescued: q.rescued,
      suppressed: q.suppressed,
      died: q.died,
    }), ['path']),
    family('fsfault_input_errors_total', 'counter', 'Kernel errors the pushed events stood for, by where they went.', byPath({
      emitted: q.emittedNewErrors,
      merged: q.mergedErrors,
      rescued: q.rescuedErrors,
      suppressed: q.suppressedErrors,
      died: q.diedErrors,
    }), ['path']),
    family('fsfault_upstream_lost_total', 'counter', 'Records lost before the queue (kernel-log overrun, fanotify overflow, counter mismatch, plugin failure).', [{ value: q.upstreamLost }]),
    family('fsfault_evicted_events_total', 'counter', 'Queued inputs shed into the rescue event by a budget shrink.', [{ value: q.evicted }]),
    family('fsfault_plugin_errors_total', 'counter', 'Plugin calls that threw (classify, merge, terminal, continuation).', [{ value: q.pluginErrors + m.classifier.pluginErrors }]),
    family('fsfault_raw_records_total', 'counter', 'Raw records read from the sources.', [{ value: m.pipeline.records }]),
    family('fsfault_unclaimed_records_total', 'counter', 'Raw records no plugin claimed (not filesystem errors).', [{ value: m.classifier.unclaimed }]),
    // Source-specific families (e.g. kernel-log records rejected by the kmsg parser) go in sourceFamilies below.
    family('fsfault_queue_events', 'gauge', 'Events in the core queue now.', [{ value: q.queuedNow }]),
    family('fsfault_queue_bytes', 'gauge', 'Bytes charged to the core queue budget now.', [{ value: q.bytesNow }]),
    family('fsfault_store_appended_events_total', 'counter', 'Events appended to the store by this process.', [{ value: m.pipeline.appended }]),
    family('fsfault_store_append_retries_total', 'counter', 'Store appends that failed and were retried.', [{ value: m.pipeline.storeRetries }]),
    family('fsfault_store_head_offset', 'gauge', 'Highest offset in the store.', [{ value: m.storeHeadOffset }]),
  ];
}

/** Families of the sources themselves (records rejected by a parser, marks, overruns ...). */
export function sourceFamilies(m: MetricsSnapshot): MetricFamily[] {
  const s = m.source;
  if (!s) return [];
  return [
    family('fsfault_kmsg_records_read_total', 'counter', 'Kernel-log records read from /dev/kmsg (delivered or rejected). Read + lost = every sequence number the reader passed.', [{ value: s.kmsgRecordsRead }]),
    family('fsfault_kmsg_lost_records_total', 'counter', 'Kernel-log records overwritten in the ring before fsfault read them (exact, from sequence gaps).', [{ value: s.kmsgLostRecords }]),
    family('fsfault_kmsg_rejected_records_total', 'counter', 'Kernel-log records written by user processes (facility != 0), rejected: a rising count is someone writing to /dev/kmsg.', [{ value: s.kmsgRejected }]),
    family('fsfault_path_resolve_timeouts_total', 'counter', 'fanotify handle -> path lookups that did not finish in time (the event went on with pathError TIMEOUT).', [{ value: s.resolveTimeouts }]),
    family('fsfault_path_resolve_refused_total', 'counter', 'Handle lookups not started because too many were waiting (the event went on with pathError BUSY).', [{ value: s.resolveRefused }]),
    family('fsfault_probe_timeouts_total', 'counter', 'Filesystem probes of the plugins (health ioctls, state reads) that did not finish in time.', [{ value: s.probeTimeouts }]),
  ];
}

export function connectorFamilies(m: MetricsSnapshot): MetricFamily[] {
  const per = (f: (p: ConnectorMetrics) => number, only: (p: ConnectorMetrics) => boolean = () => true) =>
    m.pumps.filter(only).map((p) => ({ labels: { connector: p.name }, value: f(p) }));
  const c = ['connector'];
  return [
    family('fsfault_connector_committed_offset', 'gauge', 'Store offset each connector confirmed as delivered.', per((p) => p.committed), c),
    family('fsfault_connector_lag_events', 'gauge', 'Stored events a connector has not confirmed yet.', per((p) => Math.max(0, m.storeHeadOffset - p.committed)), c),
    family('fsfault_connector_lag_seconds', 'gauge', 'Age of the oldest stored event a connector has not confirmed yet (0 when caught up).', per((p) => p.lagSeconds), c),
    family('fsfault_connector_delivered_events_total', 'counter', 'Events handed to each connector.', per((p) => p.delivered), c),
    family('fsfault_connector_retries_total', 'counter', 'Failed opens and deliveries retried, per connector (every retry).', per((p) => p.retries), c),
    family('fsfault_connector_skipped_events_total', 'counter', 'Events a connector left out because the destination already had them (resume).', per((p) => p.skippedAlreadyArrived), c),
    family('fsfault_connector_ready', 'gauge', '1 while the connector is open and not retrying.', per((p) => (p.state === 'running' && !p.retrying ? 1 : 0)), c),
    family('fsfault_connector_up', 'gauge', '1 while the connector runs, 0 once it stopped with an error.', per((p) => (p.stopped && p.lastError ? 0 : 1)), c),
    family('fsfault_connector_schema_id', 'gauge', 'Schema registry id the connector frames events with (connectors using a registry only).', per((p) => p.schemaId ?? 0, (p) => p.schemaId !== null), c),
  ];
}

/** Every fsfault family of one snapshot, in exposition order. */
export function allFamilies(m: MetricsSnapshot): MetricFamily[] {
  return [...pipelineFamilies(m), ...sourceFamilies(m), ...filesystemFamilies(m.health), ...connectorFamilies(m)];
}
