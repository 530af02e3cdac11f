/**
 * `fsfault status`: the health projection, one line per filesystem, readable at a glance, after a
 * line about the store itself and one about connector progress (how far behind each one is).
 */
import { identityBasis } from '../model/fs-identity';
import { isoMicros } from '../model/json-view';
import type { StoreInfo } from '../store/local-store';
import { sortedHealth, UNATTRIBUTED_KEY, type FsHealth, type HealthProjection } from './fs-health';

/** The row's key without the device it already shows: `uuid:…`, `fsid:…`, `mount:<id>`, or `unknown`. */
function identityColumn(h: FsHealth): string {
  switch (identityBasis(h.fs)) {
    case 'uuid':
    case 'fsid':
      return h.key;
    case 'mount':
      return `mount:${h.fs.mountUid}`;
    default:
      return 'unknown';
  }
}

const when = (us: number) => isoMicros(us).replace(/\.\d+Z$/, 'Z');

function row(h: FsHealth): string[] {
  const unattributed = h.key === UNATTRIBUTED_KEY;
  const last = h.lastError ? `${when(h.lastError.time)} ${h.lastError.errnoName ?? h.lastError.errno ?? ''}`.trim() : '-';
  const died = h.lastDied ? `${when(h.lastDied.time)} ${h.lastDied.reason}` : '-';
  return [
    unattributed ? '(unattributed)' : (h.fs.device ?? h.fs.majorMinor ?? '?'),
    unattributed ? '-' : identityColumn(h),
    h.fs.type === '*' ? '-' : h.fs.type,
    h.fs.mountPoint ?? '-',
    unattributed ? '-' : h.state, // losses no filesystem could be named for: no state to speak of
    String(h.errors),
    last,
    died,
    String(h.lost),
  ];
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function statusText(p: HealthProjection, info: StoreInfo): string {
  const lines: string[] = [];
  const range = info.rows ? `offsets ${info.firstOffset}-${info.headOffset}` : `no events retained, head ${info.headOffset}`;
  const losses = Object.entries(p.host.lostByReason).map(([r, n]) => `${r} ${n}`).join(', ');
  lines.push(`store ${info.file ?? '(memory)'}: ${info.rows} events (${range}), ${(info.usedBytes / 1048576).toFixed(1)} MiB; lost ${p.host.lost}${losses ? ` (${losses})` : ''}`);
  // Kept by the live source over the store's life (pipeline.ts KMSG_REJECTED_CURSOR).
  const rejected = Number(info.sourceCursors?.['kmsg.rejected'] ?? 0);
  if (rejected > 0) lines.push(`kernel log: ${rejected} records written by user processes (facility != 0) rejected, not treated as kernel errors`);
  const cursors = Object.entries(info.cursors);
  if (cursors.length) lines.push(`connectors: ${cursors.map(([n, o]) => `${n} at ${o}${o < info.headOffset ? ` (${info.headOffset - o} behind)` : ''}`).join(', ')}`);
  const fss = sortedHealth(p);
  if (fss.length === 0) {
    lines.push('no filesystem errors recorded');
  } else {
    lines.push('', ...table([['DEVICE', 'IDENTITY', 'TYPE', 'MOUNT', 'STATE', 'ERRORS', 'LAST ERROR', 'LAST DIED', 'LOST'], ...fss.map(row)]));
  }
  return `${lines.join('\n')}\n`;
}

export function statusJson(p: HealthProjection, info: StoreInfo): Record<string, unknown> {
  return { store: info, host: p.host, filesystems: sortedHealth(p) };
}
