/**
 * ext4's error counters in sysfs (fs/ext4/sysfs.c). errors_count is the superblock's s_error_count:
 * every ext4 error, including those the log ratelimit dropped, fanotify never reports (mballoc group
 * errors) or lost to a fanotify queue overflow. The core compares its increase with the errors it saw.
 * It stops moving once the filesystem is shut down or emergency read-only.
 */
import type { CounterProbe, CounterRecord, MountInfo } from '../../core/plugin-api';

const PER_ERROR = ['time', 'func', 'line', 'ino', 'block', 'errcode'];

function ext4SysfsDir(device: string): string {
  // sysfs names a device as the kernel's s_id, with '/' turned into '!' (cciss!c0d0).
  if (device === '' || device === '.' || device === '..') throw new RangeError(`ext4 counters: '${device}' is not a device name`);
  return `/sys/fs/ext4/${device.replace(/\//g, '!')}`;
}

export const ext4Counters: CounterProbe = {
  sysfsDirOf(mount: Readonly<MountInfo>): string {
    return ext4SysfsDir(mount.device);
  },
  sysfsDir(device: string): string {
    return ext4SysfsDir(device);
  },
  files: ['errors_count', ...PER_ERROR.map((f) => `first_error_${f}`), ...PER_ERROR.map((f) => `last_error_${f}`)],
  total(record: CounterRecord): number | null {
    const v = record.counters.errors_count;
    const n = typeof v === 'string' ? Number(v.trim()) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
  },
};
