/**
 * Types of the native binding (what fsfault_native.node exports) and of the watcher API that
 * native/index.ts builds on it.
 */
import type { FsfaultError } from '../core/errors';
import type { KmsgRecord, RawRecord } from '../core/model/raw-record';

export interface HandleInfo {
  handleType: number;
  handleHex: string;
  mountId: number;
}

export type ResolvedHandle = { path: string } | { error: string };

export interface XfsFsGeometry {
  blocksize: number;
  agblocks: number;
  agcount: number;
  datablocks: number;
  logblocks: number;
  sectsize: number;
  inodesize: number;
  /** XFS_FSOP_GEOM_SICK_* bits: fs-wide metadata observed damaged. */
  sick: number;
  checked: number;
  uuid: string;
}

export interface XfsAgGeometry {
  agno: number;
  length: number;
  freeblks: number;
  icount: number;
  ifree: number;
  /** XFS_AG_GEOM_SICK_* bits. */
  sick: number;
  checked: number;
}

/** One device's BTRFS_IOC_GET_DEV_STATS values (enum btrfs_dev_stat_values order). */
export interface BtrfsDevStats {
  devid: number;
  writeErrs: number;
  readErrs: number;
  flushErrs: number;
  corruptionErrs: number;
  generationErrs: number;
  /** How many of the five the kernel filled in (nr_items out); the rest are 0. */
  items: number;
}

export interface XfsInodeHealth {
  /** XFS_BS_SICK_* bits. */
  sick: number;
  checked: number;
}

export interface WatcherStats {
  /**
   * Every record read from /dev/kmsg after the start point: delivered or rejected (userspace); a
   * malformed read has no seq and is counted lost by the next record's gap.
   * kmsgRecordsRead + kmsgLostRecords = lastKmsgSeq() - the start seq, exactly.
   */
  kmsgRecordsRead: number;
  /** kmsg records delivered (facility 0). */
  kmsgRecords: number;
  /** kmsg records written by userspace (facility != 0): read, counted, not delivered. */
  kmsgRejectedFacility: number;
  /** Records lost to ring overwrites, from sequence gaps (sum of kmsg loss counts). */
  kmsgLostRecords: number;
  /** EPIPE returns from read(): how often the ring overtook this reader. */
  kmsgOverruns: number;
  fanotifyEvents: number;
  fanotifyOverflows: number;
  /** Calls of onBatch. */
  batchesDelivered: number;
  /** Times the reader stopped reading because maxPendingBatches batches were waiting for JS. */
  backpressureWaits: number;
  /** Reads that failed unexpectedly or returned something unparsable (each also reported). */
  readErrors: number;
}

export type KmsgStart = 'end' | 'oldest' | { afterSeq: number };

export interface WatcherOptions {
  /** Read /dev/kmsg: from its end, its oldest record, or after a sequence number seen before (same boot only). */
  kmsg?: { start: KmsgStart };
  /** Create the fanotify group (marks are added with markFilesystem). */
  fanotify?: boolean;
  /** Called (coalesced) when /proc/self/mountinfo changed; re-read it with readMountTable(). */
  onMountsChanged?: () => void;
  /** Unexpected failures of the reader thread. Without it they are thrown (uncaught). */
  onError?: (err: FsfaultError) => void;
  batchMax?: number;
  maxPendingBatches?: number;
}

export interface Watcher {
  markFilesystem(mountPoint: string): void;
  unmarkFilesystem(mountPoint: string): void;
  /** Returns once the reader thread has stopped reading kmsg and fanotify. */
  pause(): void;
  resume(): void;
  /**
   * Joins the reader thread and closes every fd before returning (idempotent). The promise
   * resolves once every batch read before the stop has been passed to onBatch.
   */
  stop(): Promise<void>;
  stats(): WatcherStats;
  /** Sequence number of the last kmsg record consumed (the resume point), null if none. */
  lastKmsgSeq(): number | null;
}

export type BatchHandler = (batch: RawRecord[]) => void;

/** The canonical options object the C++ Watcher constructor takes (see native/watcher.ts). */
export interface NativeWatcherOptions {
  kmsg: boolean;
  kmsgStart: 'end' | 'oldest' | 'after';
  afterSeq: number;
  fanotify: boolean;
  batchMax: number;
  maxPendingBatches: number;
}

export interface NativeWatcher {
  markFilesystem(mountPoint: string): void;
  unmarkFilesystem(mountPoint: string): void;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  stats(): WatcherStats;
  lastKmsgSeq(): number | null;
}

export interface NativeBinding {
  abiVersion(): number;
  statfsFsid(path: string): string;
  uniqueMountId(path: string): number | null;
  flockExclusive(fd: number): boolean;
  sdNotify(socketPath: string, state: string): void;
  nameToHandle(path: string): HandleInfo;
  resolveHandle(mountPoint: string, handleType: number, handle: Buffer): { path: string } | { error: string; syscall: string };
  xfsFsGeometry(mountPoint: string): XfsFsGeometry;
  xfsAgGeometry(mountPoint: string, agno: number): XfsAgGeometry;
  xfsBulkstatHealth(mountPoint: string, ino: number): XfsInodeHealth;
  resolveHandleAsync(mountPoint: string, handleType: number, handle: Buffer): Promise<{ path: string } | { error: string; syscall: string }>;
  xfsFsGeometryAsync(mountPoint: string): Promise<XfsFsGeometry>;
  xfsAgGeometryAsync(mountPoint: string, agno: number): Promise<XfsAgGeometry>;
  btrfsDevStatsAsync(mountPoint: string): Promise<BtrfsDevStats[]>;
  parseKmsgForTest(raw: string): KmsgRecord | null;
  parseFanotifyForTest(buf: Buffer): RawRecord[];
  parseXfsHealthmonForTest(buf: Buffer): { events: XfsHealthmonEvent[]; consumed: number };
  XfsHealthMonitor: new (
    options: { mountPoint?: string; fd?: number; verbose: boolean; maxQueued: number },
    onOpen: () => void,
    onEvents: (events: XfsHealthmonEvent[]) => void,
    onEnd: (err: Error | null) => void,
  ) => { stop(): void; stats(): XfsHealthMonitorStats };
  Watcher: new (
    options: NativeWatcherOptions,
    onBatch: BatchHandler,
    onMountsChanged: (() => void) | undefined,
    onError: (err: Error) => void,
  ) => NativeWatcher;
}

/**
 * One struct xfs_health_monitor_event (Linux 7.0 XFS_IOC_HEALTH_MONITOR), decoded by the addon:
 * names for the header's domain/type numbers (`domain<N>`/`type<N>` for numbers a newer kernel
 * added), null for fields the domain does not carry. Layout in native/README.md.
 */
export interface XfsHealthmonEvent {
  domain: string;
  type: string;
  /** time_ns / 1000 (CLOCK_REALTIME, exact µs). */
  timeUs: number;
  /** time_ns exactly. */
  timeNs: bigint;
  /** fs/ag/rtgroup/inode: the sick bits (XFS_FSOP_GEOM_SICK_*, XFS_AG_GEOM_SICK_*, ...); mount shutdown: XFS_HEALTH_SHUTDOWN_*. */
  mask: number | null;
  /** ag/rtgroup number. */
  group: number | null;
  ino: number | null;
  gen: number | null;
  /** Media errors: start and length in 512-byte sectors. */
  daddr: number | null;
  sectors: number | null;
  /** File-range errors: byte range in the file and the positive errno. */
  pos: number | null;
  bytes: number | null;
  errno: number | null;
  /** mount/lost: events the kernel dropped. */
  lostCount: number | null;
}

export interface XfsHealthMonitorStats {
  /** Records read from the monitor fd. */
  records: number;
  /** read() calls that returned data or EOF. */
  reads: number;
  /** Poll rounds spent not reading because maxQueued events waited for JS. */
  backpressureWaits: number;
}
