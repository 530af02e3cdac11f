/**
 * btrfs's device error counters: `/sys/fs/btrfs/<fs uuid>/devinfo/<devid>/error_stats` (Linux
 * 5.14+), one file per device of the filesystem, lines `write_errs N`, `read_errs N`, `flush_errs N`,
 * `corruption_errs N`, `generation_errs N` — the persistent per-device stats `btrfs device stats`
 * shows. Every increment is one error; the core compares their sum with the errors it saw.
 *
 * sysfs is keyed by the filesystem UUID, not the device, so the directory comes from the mount:
 * its UUID when the mount table knows it, else the one directory whose `devices/` holds the device.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CounterProbe, CounterRecord, MountInfo } from '../../core/plugin-api';

export const BTRFS_SYSFS = '/sys/fs/btrfs';

export function btrfsSysfsDir(mount: Readonly<MountInfo>, root = BTRFS_SYSFS): string {
  if (mount.uuid && fs.existsSync(path.join(root, mount.uuid))) return path.join(root, mount.uuid);
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(root);
  } catch {
    // btrfs not loaded: no directory, no reading
  }
  for (const e of entries) if (fs.existsSync(path.join(root, e, 'devices', mount.device))) return path.join(root, e);
  return path.join(root, mount.uuid ?? `unknown-${mount.device}`);
}

/** Sum of every `<name>_errs N` of every device's error_stats; null when there is none. */
export function totalErrors(record: Readonly<CounterRecord>): number | null {
  let total = 0;
  let files = 0;
  for (const [k, v] of Object.entries(record.counters)) {
    if (!k.endsWith('error_stats') || typeof v !== 'string') continue;
    files++;
    for (const m of v.matchAll(/^(\w+_errs)\s+(\d+)$/gm)) total += Number(m[2]);
  }
  return files === 0 ? null : total;
}

export const btrfsCounters: CounterProbe = {
  sysfsDirOf: (mount) => btrfsSysfsDir(mount),
  files: ['devinfo/*/error_stats'],
  total: totalErrors,
};
