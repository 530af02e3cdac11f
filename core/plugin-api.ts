/**
 * The plugin API: the only core module a filesystem plugin may import. It is versioned
 * (CORE_API_VERSION, semver); a plugin declares the range it supports in meta.coreApi and the
 * registry refuses a plugin whose range excludes this core. Additions are minor versions.
 *
 * A plugin is a plain object of pure, synchronous functions plus metadata and an Avro schema; the
 * core wraps every call, so a throwing plugin becomes a counted error, never a crash.
 */
import type { Blob, EventDraft, FsEvent, Subtype } from './model/event';
import type { RawRecord, MountInfo, KmsgRecord, FanotifyRecord, CounterRecord, HealthRecord } from './model/raw-record';

export type { Blob, EventDraft, FsEvent, Subtype, RawRecord, MountInfo, KmsgRecord, FanotifyRecord, CounterRecord, HealthRecord };
export { SUBTYPES, subtypeMask, subtypeNames } from './model/event';
export { errnoName, errnoNumber } from './model/errno';
export { FsfaultError, isFsfaultError } from './errors';
/**
 * The native calls a probe may make (1.3.0): filesystem ioctls run off the JS thread, failing with
 * a typed NATIVE_SYSCALL error (details.errno). Re-exported whole: core names no filesystem.
 */
export * as kernel from '../native/plugin-calls';

/**
 * 1.1.0: optional `continuation` (lines that complete the previous report), context
 * `fsGeometry(device)`, FsfaultError re-exported for plugins' own input checks.
 * 1.2.0: counters addressed by the mount (`CounterProbe.sysfsDirOf(mount)`: btrfs keys sysfs by
 * UUID, not device) and `*` path segments in `files` (one per device of a multi-device
 * filesystem); optional `watchMode(mount, kernel)` says how `doctor` describes a log-only watch.
 * 1.3.0: probes belong to plugins: `FsProbe` is part of the API, a plugin's optional `createProbe()`
 * makes the probe the live source polls with the mount as input, and `kernel` gives probes the
 * native calls (ioctls) they need; `isFsfaultError` re-exported; `meta.fanotifyErrorsSince` (which
 * kernels send FAN_FS_ERROR for the plugin's filesystems), `doctorChecks(mount)`, `report` (the
 * plugin's sections of `fsfault report`).
 */
export const CORE_API_VERSION = '1.3.0';

export interface PluginMeta {
  /** Unique, lower-case, [a-z0-9_]: also the Avro namespace suffix of the blob. */
  name: string;
  /** Plugin's own version. */
  version: string;
  /** Supported core API range: `^1.0.0`, `>=1.0.0 <2.0.0`, `1.x`. */
  coreApi: string;
  /** Filesystem types (as in /proc/self/mountinfo) this plugin claims. */
  fsTypes: string[];
  description?: string;
  /**
   * Optional (1.3.0): first kernel release (`major.minor`, e.g. `5.16`) whose driver of these
   * filesystem types sends fanotify FAN_FS_ERROR. The live source marks only from that release on
   * (a mark is accepted everywhere, but stays silent where the driver never reports), and
   * `doctor` says why not. Absent: never marked.
   */
  fanotifyErrorsSince?: string;
}

/** One line of `fsfault doctor` a plugin adds for a mount of its filesystems (1.3.0). */
export interface DoctorCheck {
  /** Short name, e.g. `ratelimit`; doctor prefixes the plugin's name. */
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

/**
 * A table of `fsfault report` a plugin declares (1.3.0): the top values of one field of its
 * events' blobs (ext4: functions; XFS: allocation groups). The core counts, ranks and renders.
 */
export interface ReportTable {
  /** Stable id: the HTML table id is `<plugin>-<id>`. */
  id: string;
  /** Heading, e.g. `top functions`. */
  title: string;
  /** Column label, e.g. `function`; per-filesystem keys read `host:dev <label> <value>`. */
  label: string;
  /** Blob field names; the first one present wins. */
  fields: readonly string[];
  /** Read this field of the event itself before the blob (`inode`). */
  eventField?: 'inode';
  /** Count values per filesystem (`host:loop0 inode 12`) instead of across all of them. */
  perFilesystem?: boolean;
}

/** The report section of a plugin's events (those of `meta.name` or of its `fsTypes`). */
export interface ReportSection {
  /** Heading, e.g. `XFS`. */
  title: string;
  tables: readonly ReportTable[];
}

/** Read-only view of the world a plugin may consult while classifying. */
export interface ClassifyContext {
  /** The mount of a device short name (`loop0`), if mounted. */
  mountByDevice(device: string): MountInfo | undefined;
  /** The mount whose statfs fsid is this one. */
  mountByFsid(fsid: string): MountInfo | undefined;
  /**
   * True when fanotify FAN_FS_ERROR is marked on this device's filesystem. fanotify counts every
   * error exactly, so a log line describing an error fanotify also reports should add detail, not
   * count (count 0), and it should carry the same merge key so the two fuse into one event.
   */
  fanotifyWatched(device: string): boolean;
  /**
   * Geometry of a mounted filesystem when the core could read it (XFS: blocksize, agblocks,
   * agcount, inodesize, sectsize ... from XFS_IOC_FSGEOMETRY); undefined when unknown.
   */
  fsGeometry(device: string): Readonly<Record<string, number>> | undefined;
}

/** Where the kernel keeps a filesystem's error counters; the core reads them and reconciles. */
export interface CounterProbe {
  /**
   * sysfs directory of the mounted filesystem, e.g. `/sys/fs/ext4/loop0` or
   * `/sys/fs/btrfs/<uuid>` (1.2.0). Preferred over `sysfsDir` when present.
   */
  sysfsDirOf?(mount: Readonly<MountInfo>): string;
  /** sysfs directory from the device short name (1.0.0; used when `sysfsDirOf` is absent). */
  sysfsDir?(device: string): string;
  /**
   * Files in that directory to read. Whole numbers become numbers, anything else a trimmed string
   * (multi-line `key value` files stay text for `total` to parse). A `*` path segment
   * (`devinfo/*\/error_stats`) is expanded to every entry there, the key being the expanded path.
   * Missing files are left out.
   */
  files: readonly string[];
  /**
   * Total errors the kernel counted, from a CounterRecord of those files. The core compares its
   * increase with the errors it saw for the filesystem and reports any shortfall as a loss.
   */
  total(record: CounterRecord): number | null;
}

/**
 * A filesystem probe: reads per-filesystem state the kernel keeps outside the log (health ioctls,
 * geometry). The live source calls it when a filesystem of its type is mounted, on a timer, and
 * shortly after that filesystem reported an error; always with the mount (never a device name
 * alone: a multi-device filesystem has no single device). Probes do I/O; classify stays pure and
 * only classifies what probes read.
 */
export interface FsProbe {
  readonly fsType: string;
  /** Extra facts to attach to the mount when it appears (e.g. geometry, for `ctx.fsGeometry`). */
  onMount?(mount: MountInfo): Partial<Pick<MountInfo, 'geometry'>> | Promise<Partial<Pick<MountInfo, 'geometry'>>>;
  /** Read the current state; records go through the pipeline like any other (HealthRecord ...). */
  poll(mount: MountInfo): RawRecord[] | Promise<RawRecord[]>;
}

/** An Avro record schema as plain JSON (no avsc types cross this boundary). */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: { name: string; type: unknown; default?: unknown; doc?: string }[];
}

export interface FsPlugin<B extends Blob = Blob> {
  readonly meta: PluginMeta;
  /**
   * Avro schema of the blob. Its full name must be `fsfault.plugins.<meta.name>.<Name>`. Every field
   * must have a default so that old readers/writers stay compatible when fields are added.
   */
  readonly blobSchema: AvroRecordSchema;
  /**
   * Turn a raw record into an event draft, or null when the record is not this plugin's.
   * kmsg records are offered to every plugin (first non-null wins); fanotify, sysfs and ioctl records
   * only to the plugin that claims the filesystem's type. Must be pure: same input, same output.
   */
  classify(record: RawRecord, ctx: ClassifyContext): EventDraft<B> | null;
  /**
   * Merge key over the blob (and the event's generic fields). Two queued events of the same
   * filesystem with equal keys are merged. null: this event never merges.
   */
  mergeKey(event: Readonly<FsEvent<B>>): string | null;
  /**
   * Merge `from` into `into` (same key). Return the merged blob. Count, times, masks and sources are
   * merged by the core; the plugin merges only its blob. The merged blob's encoded size must stay
   * bounded however many merges happen (the conformance kit checks it).
   */
  merge(into: B, from: Readonly<B>): B;
  /**
   * Is this event terminal for its filesystem ("and then we died": journal abort, forced shutdown,
   * emergency read-only)? Return the reason, or null.
   */
  terminal(event: Readonly<FsEvent<B>>): string | null;
  /** Optional error-counter probe (ext4 sysfs errors_count, btrfs device error_stats ...). */
  readonly counters?: CounterProbe;
  /**
   * Optional (1.2.0): how errors of this mount are seen when fanotify does not report them, as
   * `doctor` prints it: a short mode (`log+counters`, `log+ioctl`) and what it consists of.
   * Default: `log+counters` with counters, else `log`.
   */
  watchMode?(mount: Readonly<MountInfo>): { mode: string; detail: string };
  /**
   * Optional (1.3.0): checks `doctor` adds for the first watchable mount of this plugin's types
   * (e.g. a ratelimit that hides log lines). May read sysfs/procfs; must not throw on a missing file.
   */
  doctorChecks?(mount: Readonly<MountInfo>): DoctorCheck[];
  /** Optional (1.3.0): this plugin's section of `fsfault report` (top values of blob fields). */
  readonly report?: ReportSection;
  /**
   * Optional: is this kernel-log record only the continuation of `previous` (a hex dump, advice
   * lines, the I/O error paired with a verifier failure)? Return the updated blob, or null when it
   * is not. The core asks before classify, only for the record directly following (by kmsg seq)
   * the last record this plugin classified or continued, and only while `previous` is queued. The
   * count does not change; the line never becomes an event of its own.
   */
  continuation?(record: KmsgRecord, previous: Readonly<FsEvent<B>>): B | null;
  /**
   * Optional (1.3.0): a new probe of this plugin's filesystems. Called once per container; the
   * live source polls it for every mount of a type in `meta.fsTypes` (when sources.health.enabled).
   */
  createProbe?(): FsProbe;
}

/** Small helper so a plugin file reads as a declaration. */
export function definePlugin<B extends Blob>(plugin: FsPlugin<B>): FsPlugin<B> {
  return plugin;
}
