/**
 * Raw records: what sources (the native addon, the replay file) hand to the pipeline. No meaning is
 * attached yet; plugins classify them. Field names are the replay file's JSON names.
 */

/** One mounted filesystem as the mount table describes it. */
export interface MountInfo {
  mountId: number;
  mountPoint: string;
  /** Kernel short name of the block device (`sb->s_id`): `loop0`, `sda1`, `dm-0`. */
  device: string;
  /** `major:minor` of the superblock's device. */
  majorMinor: string;
  fsType: string;
  /** statfs f_fsid as 16 hex digits (val[0] then val[1], each 8 digits); null when statfs failed. */
  fsid: string | null;
  uuid: string | null;
  options: string[];
  /**
   * The kernel's never-reused mount id (Linux 6.8+). mountId is reused, so an unmount and mount
   * between two reads of the table can only be told apart by this.
   */
  uniqueId?: number;
  /** Filesystem geometry when known (XFS FSGEOMETRY fields), for plugins that compute AGs. */
  geometry?: Record<string, number> | null;
}

/** One /dev/kmsg record: header parsed, text un-escaped, dictionary lines split off. */
export interface KmsgRecord {
  source: 'kmsg';
  seq: number;
  /** syslog facility (prefix >> 3); only 0 is the kernel. */
  facility: number;
  /** syslog level (prefix & 7). */
  level: number;
  /** printk timestamp: microseconds since boot (monotonic). */
  tsUsec: number;
  /** Wall-clock time the record was read, microseconds since the epoch. */
  readAtUs: number;
  flags: string;
  text: string;
  dict: Record<string, string>;
}

/** One FAN_FS_ERROR (or FAN_Q_OVERFLOW) event from fanotify. */
export interface FanotifyRecord {
  source: 'fanotify';
  mask: number;
  /** 16 hex digits, the same form as MountInfo.fsid. */
  fsid: string;
  /** errno as the kernel reported it (may be negative on old kernels; plugins take abs). */
  error: number;
  errorCount: number;
  handleType: number;
  /** file handle bytes as hex ('' for the empty superblock handle). */
  handle: string;
  pid: number;
  readAtUs: number;
  /** Resolved path of the handle, if the reader resolved it. */
  path?: string | null;
  /** Why the path could not be resolved (errno name), if it tried. */
  pathError?: string | null;
}

/** A snapshot of a filesystem's error counters (ext4 sysfs, btrfs error_stats ...). */
export interface CounterRecord {
  source: 'sysfs';
  device: string;
  fsType: string;
  readAtUs: number;
  counters: Record<string, number | string>;
}

/** A health snapshot read by ioctl (XFS FSGEOMETRY / AG_GEOMETRY / bulkstat ...). */
export interface HealthRecord {
  source: 'ioctl';
  device: string;
  fsType: string;
  readAtUs: number;
  /** What was probed: the whole filesystem, one allocation group, or one inode. */
  scope: 'fs' | 'ag' | 'inode';
  /** AG number or inode number for the narrower scopes. */
  index: number | null;
  sick: number;
  checked: number;
  /** errno name when the ioctl failed (e.g. 'EIO' after an XFS shutdown). */
  failure: string | null;
}

/**
 * A loss that happened before the pipeline: kernel-log ring overrun, fanotify queue overflow, a
 * counter that moved further than the events seen. Feeds the queue's rescue slot.
 */
export interface LossRecord {
  source: 'loss';
  origin: 'kmsg' | 'fanotify' | 'sysfs' | 'ioctl' | 'native' | 'replay';
  reason: string;
  /** How many records/events/errors were lost; at least 1 when unknown. */
  count: number;
  device: string | null;
  readAtUs: number;
}

/** Mount-table change as seen by the mount watcher (and as a replay line). */
export interface MountRecord {
  source: 'mount';
  action: 'mounted' | 'unmounted' | 'remounted';
  mount: MountInfo;
  readAtUs: number;
  /**
   * fanotify FAN_FS_ERROR is marked on this filesystem (live: the mark succeeded; replay: the file
   * holds fanotify records for its fsid). Plugins use it to avoid counting an error twice.
   */
  fanotify?: boolean;
}

export type RawRecord = KmsgRecord | FanotifyRecord | CounterRecord | HealthRecord | LossRecord | MountRecord;
export type RawSource = RawRecord['source'];
