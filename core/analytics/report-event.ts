/**
 * The one shape the report folds: built from a store event (FsEvent) or from a record of any
 * Avro file whose schema follows fsfault's event record (other writers, older or newer fsfault
 * versions with other plugin sets). Reads defensively: a missing field is null, never a throw.
 */
import { subtypeNames, type FsEvent } from '../model/event';

export interface ReportEvent {
  /** The event id (null in records of writers that have none): an event read twice counts once. */
  id: string | null;
  host: string;
  kind: string;
  fsType: string;
  device: string | null;
  uuid: string | null;
  fsid: string | null;
  /** The kernel's unique mount id, when the writer knew it. */
  mountUid: number | null;
  mountPoint: string | null;
  errno: number | null;
  errnoName: string | null;
  count: number;
  firstSeen: number;
  lastSeen: number;
  subtypes: string[];
  inode: number | null;
  plugin: string | null;
  blob: Record<string, unknown> | null;
  lostReasons: { reason: string; count: number }[];
  lostByFilesystem: { device: string; count: number }[];
  deathReason: string | null;
  suppressed: number;
}

export function fromFsEvent(e: FsEvent): ReportEvent {
  return {
    id: e.id || null,
    host: e.host,
    kind: e.kind,
    fsType: e.fs.type,
    device: e.fs.device,
    uuid: e.fs.uuid,
    fsid: e.fs.fsid,
    mountUid: e.fs.mountUid ?? null,
    mountPoint: e.fs.mountPoint,
    errno: e.errno,
    errnoName: e.errnoName,
    count: e.count,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    subtypes: subtypeNames(e.subtypes),
    inode: e.inode,
    plugin: e.plugin,
    blob: e.blob,
    lostReasons: e.lost?.reasons ?? [],
    lostByFilesystem: e.lost?.byFilesystem ?? [],
    deathReason: e.death?.reason ?? null,
    suppressed: e.death?.suppressed ?? 0,
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : null);
const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) ? (v as Record<string, unknown>) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * The blob union arrives wrapped (`{"fsfault.plugins.ext4.Ext4Blob": {...}}`) when it has several
 * record branches, bare when it has one; the unknown-plugin branch carries JSON text.
 */
function unwrapBlob(v: unknown): Record<string, unknown> | null {
  const o = obj(v);
  if (!o) return null;
  const keys = Object.keys(o);
  let inner = o;
  if (keys.length === 1 && keys[0]!.includes('.') && obj(o[keys[0]!])) inner = obj(o[keys[0]!])!;
  if (typeof inner.json === 'string' && typeof inner.plugin === 'string' && Object.keys(inner).length === 2) {
    try {
      return obj(JSON.parse(inner.json)) ?? null;
    } catch {
      return null;
    }
  }
  return inner;
}

/** A decoded Avro record (avsc, file's own schema) → ReportEvent; null when it is not an fsfault event. */
export function fromAvroRecord(r: unknown): ReportEvent | null {
  const o = obj(r);
  const fs = obj(o?.fs);
  const host = str(o?.host);
  const kind = str(o?.kind);
  const firstSeen = num(o?.firstSeen);
  if (!o || !fs || host === null || kind === null || firstSeen === null) return null;
  const lost = obj(o.lost);
  const death = obj(o.death);
  return {
    id: str(o.id) || null,
    host,
    kind,
    fsType: str(fs.type) ?? 'unknown',
    device: str(fs.device),
    uuid: str(fs.uuid),
    fsid: str(fs.fsid),
    mountUid: num(fs.mountUid),
    mountPoint: str(fs.mountPoint),
    errno: num(o.errno),
    errnoName: str(o.errnoName),
    count: num(o.count) ?? 1,
    firstSeen,
    lastSeen: num(o.lastSeen) ?? firstSeen,
    subtypes: arr(o.subtypes).filter((s): s is string => typeof s === 'string'),
    inode: num(o.inode),
    plugin: str(o.plugin),
    blob: unwrapBlob(o.blob),
    lostReasons: arr(lost?.reasons).flatMap((x) => {
      const e = obj(x);
      return e && typeof e.reason === 'string' ? [{ reason: e.reason, count: num(e.count) ?? 0 }] : [];
    }),
    lostByFilesystem: arr(lost?.byFilesystem).flatMap((x) => {
      const e = obj(x);
      return e && typeof e.device === 'string' ? [{ device: e.device, count: num(e.count) ?? 0 }] : [];
    }),
    deathReason: death ? (str(death.reason) ?? 'unknown') : null,
    suppressed: num(death?.suppressed) ?? 0,
  };
}

/** First blob field among `names` that holds a usable value (plugins name things differently). */
export function blobField(blob: Record<string, unknown> | null, names: readonly string[]): string | number | null {
  if (!blob) return null;
  for (const n of names) {
    const v = blob[n];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}
