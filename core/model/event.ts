/**
 * The fsfault event: what leaves the core queue, is stored, and is published. Field names here are
 * the stable JSON/Avro names documented in the README.
 */

export type EventKind = 'ERROR' | 'LOST' | 'DIED' | 'SUPPRESSED';
export const EVENT_KINDS: readonly EventKind[] = ['ERROR', 'LOST', 'DIED', 'SUPPRESSED'];

export type SourceName = 'fanotify' | 'kmsg' | 'sysfs' | 'ioctl' | 'replay';
export const SOURCE_NAMES: readonly SourceName[] = ['fanotify', 'kmsg', 'sysfs', 'ioctl', 'replay'];

/**
 * Error subtypes. Stored as a bit mask (bit i = SUBTYPES[i]) and as a list of names in JSON.
 * Append only: a bit's meaning never changes.
 */
export const SUBTYPES = [
  'metadata', // on-disk metadata is inconsistent (inode, directory, bitmap, btree ...)
  'data', // file data could not be read or written
  'journal', // journal / log failure or abort
  'writeback', // error while writing back dirty pages or buffers
  'io', // the block device returned an I/O error
  'checksum', // a metadata checksum did not match
  'shutdown', // the filesystem shut down or aborted
  'readonly', // the filesystem was (re)mounted read-only because of errors
  'allocation', // allocator / free-space accounting inconsistency
  'internal', // an internal consistency check of the filesystem code fired
  'quota', // quota accounting
  'unknown', // the source said "error" and nothing more
] as const;
export type Subtype = (typeof SUBTYPES)[number];

export function subtypeMask(names: readonly Subtype[]): number {
  let m = 0;
  for (const n of names) m |= 1 << SUBTYPES.indexOf(n);
  return m;
}

export function subtypeNames(mask: number): Subtype[] {
  const out: Subtype[] = [];
  for (let i = 0; i < SUBTYPES.length; i++) if (mask & (1 << i)) out.push(SUBTYPES[i]!);
  return out;
}

/** Identity of the filesystem an event belongs to. */
export interface FsIdentity {
  type: string;
  device: string | null;
  majorMinor: string | null;
  fsid: string | null;
  uuid: string | null;
  mountPoint: string | null;
  /**
   * The kernel's never-reused mount id (statx STATX_MNT_ID_UNIQUE, Linux 6.8+) of the mount the
   * event was seen through, when known: with the device it tells apart two filesystems that had
   * neither a uuid nor an fsid (see identityKey). Absent in events of older writers.
   */
  mountUid: number | null;
}

/** Details of a LOST (rescue) event. */
export interface LostDetail {
  /** Per filesystem (device name, or '*' when not attributable), capped; overflow goes to '*'. */
  byFilesystem: { device: string; count: number }[];
  /** Distinct errnos of what was lost, capped. */
  errnos: number[];
  /** Why: 'queue-budget', 'queue-fs-bound', 'kmsg-overrun', 'fanotify-overflow', 'counter-mismatch', ... */
  reasons: { reason: string; count: number }[];
}

/** Details of a DIED or SUPPRESSED event. */
export interface DeathDetail {
  reason: string;
  /** Errors on the dead filesystem that were only counted after it died (SUPPRESSED: this tally). */
  suppressed: number;
}

export type Blob = Record<string, unknown>;

export interface FsEvent<B extends Blob = Blob> {
  id: string;
  host: string;
  kind: EventKind;
  fs: FsIdentity;
  errno: number | null;
  errnoName: string | null;
  /**
   * ERROR: kernel errors it stands for; LOST: events/records that could not be reported;
   * DIED: 1 (the error that killed it) plus errors suppressed while it was still queued;
   * SUPPRESSED: errors suppressed after the DIED event had left the queue.
   */
  count: number;
  /** Microseconds since the epoch. */
  firstSeen: number;
  lastSeen: number;
  sources: SourceName[];
  subtypes: number;
  inode: number | null;
  handleType: number | null;
  handle: string | null;
  path: string | null;
  /**
   * Why `path` is null although the event names an inode: 'TIMEOUT' (the disk did not answer the
   * lookup in time), 'BUSY' (too many lookups waiting), an errno name ('ESTALE': inode gone or
   * unreadable), 'NOT_MOUNTED'. Absent (= null) when there was nothing to look up or it worked;
   * in Avro and JSON it is null then.
   */
  pathError?: string | null;
  /** Name of the plugin that classified it, null for core-made events (LOST). */
  plugin: string | null;
  blob: B | null;
  lost: LostDetail | null;
  death: DeathDetail | null;
}

/**
 * An event the core makes itself (LOST, SUPPRESSED): no plugin, no blob, no file. Fields not given
 * are empty; callers set what they know.
 */
export function coreEvent(kind: EventKind, id: string, host: string, fs: FsIdentity, fields: Partial<FsEvent> = {}): FsEvent {
  return {
    id,
    host,
    kind,
    fs,
    errno: null,
    errnoName: null,
    count: 0,
    firstSeen: 0,
    lastSeen: 0,
    sources: [],
    subtypes: 0,
    inode: null,
    handleType: null,
    handle: null,
    path: null,
    plugin: null,
    blob: null,
    lost: null,
    death: null,
    ...fields,
  };
}

/** What a plugin returns from classify: the event minus what the core fills in. */
export interface EventDraft<B extends Blob = Blob> {
  /** Device short name (`loop0`) or null when the record does not say. */
  device: string | null;
  /** fsid when the record carries it (fanotify). */
  fsid?: string | null;
  errno: number | null;
  count: number;
  timeUs: number;
  source: SourceName;
  subtypes: Subtype[];
  inode?: number | null;
  handleType?: number | null;
  handle?: string | null;
  path?: string | null;
  /** Why the record's handle has no path (FanotifyRecord.pathError): the event's `pathError`. */
  pathError?: string | null;
  blob: B;
}
