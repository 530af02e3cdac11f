/**
 * The prom-client edge: the only file that imports prom-client. It gives the Prometheus exposition
 * (escaping, content type), the process/Node default metrics every agent has (process CPU, resident
 * memory, open fds, start time, event-loop lag, GC, heap) and `fsfault_build_info`. fsfault's own
 * families are pull-style: the whole snapshot is read once per scrape and copied into the registry,
 * so a scrape sees one consistent snapshot and families whose label sets vanished disappear.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricFamily } from '../metrics/family';

export interface BuildInfo {
  version: string;
  /** Node.js version running the agent (e.g. v20.20.0). */
  node: string;
  /** N-API/ABI the native addon was built for (process.versions.modules). */
  abi: string;
}

export interface PromRegistry {
  readonly contentType: string;
  /** Replace the pulled families with these samples and render the whole registry. */
  render(families: readonly MetricFamily[]): Promise<string>;
}

export function createPromRegistry(build: BuildInfo): PromRegistry {
  const registry = new Registry();
  // Sampled every 10 ms by perf_hooks.monitorEventLoopDelay: cheap, and the lag a stuck pipeline shows.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const info = new Gauge({ name: 'fsfault_build_info', help: 'Always 1; the labels say which fsfault and which Node run.', labelNames: ['version', 'node', 'abi'], registers: [registry] });
  info.set({ version: build.version, node: build.node, abi: build.abi }, 1);
  const pulled = new Map<string, Counter | Gauge>();

  const metricFor = (f: MetricFamily): Counter | Gauge => {
    let m = pulled.get(f.name);
    if (!m) {
      const cfg = { name: f.name, help: f.help, labelNames: [...(f.labelNames ?? [])], registers: [registry] };
      m = f.type === 'counter' ? new Counter(cfg) : new Gauge(cfg);
      pulled.set(f.name, m);
    }
    return m;
  };

  return {
    contentType: registry.contentType,
    async render(families) {
      for (const f of families) {
        const m = metricFor(f);
        m.reset();
        for (const s of f.samples) {
          const v = Number.isFinite(s.value) ? s.value : 0;
          if (m instanceof Counter) m.inc(s.labels ?? {}, Math.max(0, v));
          else m.set(s.labels ?? {}, v);
        }
      }
      return registry.metrics();
    },
  };
}
