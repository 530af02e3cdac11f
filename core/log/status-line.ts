/**
 * The one-line status fsfault logs at info level: periodically while watching, and as the summary
 * at the end of a `--once` run. Read from the metrics snapshot so the line and /metrics agree.
 */
import type { MetricsSnapshot } from '../metrics/exposition';

export function statusLine(m: MetricsSnapshot, prefix: 'status' | 'summary'): string {
  const q = m.queue;
  const fss = m.health ? [...m.health.filesystems.values()] : [];
  const count = (s: string) => fss.filter((h) => h.state === s).length;
  const parts = [
    `${m.pipeline.records} records read`,
    `${q.pushed} errors classified`,
    `${m.pipeline.appended} events stored (head offset ${m.storeHeadOffset})`,
    `${q.upstreamLost + q.rescued} lost`,
  ];
  if (m.health) parts.push(`filesystems ${fss.length} (degraded ${count('degraded')}, dead ${count('dead')})`);
  for (const p of m.pumps) {
    const lag = Math.max(0, m.storeHeadOffset - p.committed);
    parts.push(`${p.name}: ${p.delivered} delivered, lag ${lag}${lag ? ` (${p.lagSeconds.toFixed(1)} s)` : ''}, ${p.retries} retries${p.stopped && p.lastError ? ', STOPPED' : ''}`);
  }
  return `${prefix}: ${parts.join('; ')}`;
}
