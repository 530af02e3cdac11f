/**
 * The fallback for btrfs's device error counters where sysfs lacks them: kernels before 5.14 have
 * no `/sys/fs/btrfs/<uuid>/devinfo/<devid>/error_stats`, but every kernel with btrfs answers
 * BTRFS_IOC_GET_DEV_STATS (layout in README.md). The plugin API's `kernel.btrfsDevStatsAsync`
 * issues it off the JS thread for every devid (BTRFS_IOC_FS_INFO's max_id; holes skipped), never
 * with the reset flag.
 *
 * On each poll, when the sysfs files exist, it returns nothing (the core reads them through
 * `counters`; reading both would count every error twice). Otherwise it returns one CounterRecord
 * whose keys `ioctl/<devid>/error_stats` hold the same `write_errs N` … text as the sysfs file,
 * so `counters.total` (counters.ts) sums either the same way and the core reconciles it like
 * errors_count. A failed ioctl (unmounted meanwhile, shut down) returns nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isFsfaultError, kernel } from '../../core/plugin-api';
import type { CounterRecord, FsProbe, MountInfo, RawRecord } from '../../core/plugin-api';
import { btrfsSysfsDir, BTRFS_SYSFS } from './counters';

/** The sysfs file names, in enum btrfs_dev_stat_values order (the ioctl's `values[]`). */
export const DEV_STAT_NAMES = ['write_errs', 'read_errs', 'flush_errs', 'corruption_errs', 'generation_errs'] as const;

/** One device's ioctl values as the text of its sysfs error_stats file. */
export function errorStatsText(d: kernel.BtrfsDevStats): string {
  const v = [d.writeErrs, d.readErrs, d.flushErrs, d.corruptionErrs, d.generationErrs];
  return DEV_STAT_NAMES.slice(0, Math.min(d.items, DEV_STAT_NAMES.length))
    .map((n, i) => `${n} ${v[i]}`)
    .join('\n');
}

/** True when this kernel shows error_stats in sysfs for the mount (5.14+). */
export function sysfsHasErrorStats(mount: Readonly<MountInfo>, root = BTRFS_SYSFS): boolean {
  const dir = path.join(btrfsSysfsDir(mount, root), 'devinfo');
  try {
    return fs.readdirSync(dir).some((d) => fs.existsSync(path.join(dir, d, 'error_stats')));
  } catch {
    return false;
  }
}

export interface BtrfsDevStatsProbeOptions {
  /** Use the ioctl even where sysfs has the files (tests compare the two paths). */
  always?: boolean;
  sysfsRoot?: string;
}

export class BtrfsDevStatsProbe implements FsProbe {
  readonly fsType = 'btrfs';
  constructor(private readonly opts: BtrfsDevStatsProbeOptions = {}) {}

  async poll(mount: MountInfo): Promise<RawRecord[]> {
    if (!this.opts.always && sysfsHasErrorStats(mount, this.opts.sysfsRoot)) return [];
    let devs: kernel.BtrfsDevStats[];
    try {
      devs = await kernel.btrfsDevStatsAsync(mount.mountPoint);
    } catch (e) {
      if (isFsfaultError(e, 'NATIVE_SYSCALL')) return [];
      throw e;
    }
    const counters: Record<string, string> = {};
    for (const d of devs) counters[`ioctl/${d.devid}/error_stats`] = errorStatsText(d);
    const r: CounterRecord = { source: 'sysfs', device: mount.device, fsType: mount.fsType, readAtUs: Date.now() * 1000, counters };
    return [r];
  }
}
