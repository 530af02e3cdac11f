/**
 * The flat JSON view of an event: what `--json` output prints, one object per line. Field names
 * are stable and documented in the README ("Event fields"); add fields, never rename them.
 */
import { subtypeNames, type FsEvent } from './event';

/** µs since the epoch → ISO 8601 with microseconds, e.g. 2026-11-21T05:40:09.123456Z. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  const micros = String(Math.floor(us) % 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${micros}Z`;
}

export function jsonView(e: FsEvent, offset?: number): Record<string, unknown> {
  return {
    ...(offset === undefined ? {} : { offset }),
    id: e.id,
    host: e.host,
    kind: e.kind,
    fsType: e.fs.type,
    device: e.fs.device,
    majorMinor: e.fs.majorMinor,
    fsid: e.fs.fsid,
    uuid: e.fs.uuid,
    mountPoint: e.fs.mountPoint,
    mountUid: e.fs.mountUid ?? null,
    errno: e.errno,
    errnoName: e.errnoName,
    count: e.count,
    firstSeen: isoMicros(e.firstSeen),
    lastSeen: isoMicros(e.lastSeen),
    sources: e.sources,
    subtypes: subtypeNames(e.subtypes),
    inode: e.inode,
    handleType: e.handleType,
    handle: e.handle,
    path: e.path,
    pathError: e.pathError ?? null,
    plugin: e.plugin,
    blob: e.blob,
    lost: e.lost,
    death: e.death,
  };
}

/** One human line: time, kind, fs, errno, count, and what the plugin said. */
export function textView(e: FsEvent): string {
  const fs = `${e.fs.type}:${e.fs.device ?? '?'}${e.fs.mountPoint ? ` (${e.fs.mountPoint})` : ''}`;
  const err = e.errnoName ? ` ${e.errnoName}(${e.errno})` : '';
  const blob = (e.blob ?? {}) as Record<string, unknown>;
  const what = [blob.function, blob.messageType ?? blob.message_type, blob.metadataType, blob.message]
    .filter((v) => typeof v === 'string' && v)
    .slice(0, 3)
    .join(' ');
  let extra = '';
  if (e.kind === 'LOST' && e.lost) extra = ` lost: ${e.lost.reasons.map((r) => `${r.reason}=${r.count}`).join(',')}`;
  if ((e.kind === 'DIED' || e.kind === 'SUPPRESSED') && e.death) extra = ` reason: ${e.death.reason} suppressed=${e.death.suppressed}`;
  return `${isoMicros(e.lastSeen)} ${e.kind.padEnd(10)} ${fs}${err} count=${e.count} [${e.sources.join('+')}]${what ? ` ${what}` : ''}${extra}`;
}
