/**
 * Per-filesystem series, read from the store's health projection (core/projections/fs-health.ts):
 * errors by errno, state, deaths, suppressed errors and losses — what node_exporter has no way to
 * see. Each filesystem is one projection key, exported as the `fs` label together with its
 * `device` and `type`; the values are the store's totals, so they survive restarts like the store.
 *
 * Cardinality is bounded: at most MAX_FILESYSTEMS filesystems get their own series (the ones with
 * the most errors; the rest are summed under fs="_other"), `state` has 3 values and `errno` is an
 * errno name (the kernel's, a bounded set) or "none". Worst case per family:
 * MAX_FILESYSTEMS+1 label sets (× 3 states, × distinct errnos seen for the errors family).
 */
import type { FsHealth, HealthProjection, HealthState } from '../projections/fs-health';
import type { MetricFamily, MetricSample } from './family';

export const MAX_FILESYSTEMS = 200;
export const OTHER_FILESYSTEMS = '_other';
const STATES: readonly HealthState[] = ['healthy', 'degraded', 'dead'];
const FS_LABELS = ['fs', 'device', 'type'] as const;

type Labels = Record<(typeof FS_LABELS)[number], string>;

function labelsOf(h: FsHealth): Labels {
  return { fs: h.key, device: h.fs.device ?? '', type: h.fs.type === '*' ? '' : h.fs.type };
}

export function filesystemFamilies(p: HealthProjection | null): MetricFamily[] {
  const all = p ? [...p.filesystems.values()] : [];
  // Keep the filesystems an operator most needs to see; ties by key so the choice is stable.
  all.sort((a, b) => b.errors + b.lost - (a.errors + a.lost) || (a.key < b.key ? -1 : 1));
  const own = all.slice(0, MAX_FILESYSTEMS);
  const rest = all.slice(MAX_FILESYSTEMS);
  const other: Labels = { fs: OTHER_FILESYSTEMS, device: '', type: '' };

  const errors: MetricSample[] = [];
  const state: MetricSample[] = [];
  const deaths: MetricSample[] = [];
  const suppressed: MetricSample[] = [];
  const lost: MetricSample[] = [];
  for (const h of own) {
    const l = labelsOf(h);
    for (const [errno, n] of Object.entries(h.byErrno)) errors.push({ labels: { ...l, errno }, value: n });
    for (const s of STATES) state.push({ labels: { ...l, state: s }, value: h.state === s ? 1 : 0 });
    deaths.push({ labels: l, value: h.deaths });
    suppressed.push({ labels: l, value: h.suppressed });
    lost.push({ labels: l, value: h.lost });
  }
  if (rest.length) {
    const byErrno: Record<string, number> = {};
    for (const h of rest) for (const [errno, n] of Object.entries(h.byErrno)) byErrno[errno] = (byErrno[errno] ?? 0) + n;
    for (const [errno, n] of Object.entries(byErrno)) errors.push({ labels: { ...other, errno }, value: n });
    for (const s of STATES) state.push({ labels: { ...other, state: s }, value: rest.filter((h) => h.state === s).length });
    const sum = (f: (h: FsHealth) => number) => rest.reduce((a, h) => a + f(h), 0);
    deaths.push({ labels: other, value: sum((h) => h.deaths) });
    suppressed.push({ labels: other, value: sum((h) => h.suppressed) });
    lost.push({ labels: other, value: sum((h) => h.lost) });
  }
  const byReason = Object.entries(p?.host.lostByReason ?? {}).map(([reason, value]) => ({ labels: { reason }, value }));
  return [
    { name: 'fsfault_filesystems', type: 'gauge', help: `Filesystems the store knows (each has its own series up to ${MAX_FILESYSTEMS}; the rest are summed under fs="${OTHER_FILESYSTEMS}").`, samples: [{ value: all.length }] },
    { name: 'fsfault_filesystem_errors_total', type: 'counter', help: 'Kernel errors reported per filesystem, by errno (detailed ERROR and DIED events).', labelNames: [...FS_LABELS, 'errno'], samples: errors },
    { name: 'fsfault_filesystem_state', type: 'gauge', help: `1 for the filesystem's current state (healthy, degraded: had errors, dead: shut down / aborted); for fs="${OTHER_FILESYSTEMS}" the number in each state.`, labelNames: [...FS_LABELS, 'state'], samples: state },
    { name: 'fsfault_filesystem_deaths_total', type: 'counter', help: 'Times a filesystem died (DIED events).', labelNames: FS_LABELS, samples: deaths },
    { name: 'fsfault_filesystem_suppressed_errors_total', type: 'counter', help: 'Errors only counted, not detailed, because the filesystem was dead.', labelNames: FS_LABELS, samples: suppressed },
    { name: 'fsfault_filesystem_lost_events_total', type: 'counter', help: 'Events lost for a filesystem (LOST events attributing losses to its device; fs="*" when not attributable).', labelNames: FS_LABELS, samples: lost },
    { name: 'fsfault_lost_events_total', type: 'counter', help: 'Events lost on the host (LOST events in the store), by reason.', labelNames: ['reason'], samples: byReason },
  ];
}
