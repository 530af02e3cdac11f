/**
 * The btrfs plugin: BTRFS kernel-log lines and the per-device error counters (sysfs error_stats,
 * or BTRFS_IOC_GET_DEV_STATS through its probe where the kernel has no such file).
 * btrfs sends no FAN_FS_ERROR on Linux 6.x; see README.md for the lines, merge and died rules.
 */
import { definePlugin, type FsPlugin, type KmsgRecord } from '../../core/plugin-api';
import { btrfsBlobSchema, type BtrfsBlob } from './blob';
import { classifyKmsg } from './classify-kmsg';
import { btrfsCounters } from './counters';
import { BtrfsDevStatsProbe } from './dev-stats-probe';
import { continuation, merge, mergeKey, terminal } from './merge';

export type { BtrfsBlob, BtrfsMessageType } from './blob';

export const btrfsPlugin: FsPlugin<BtrfsBlob> & { continuation(record: KmsgRecord, previous: Parameters<typeof continuation>[1]): BtrfsBlob | null } = {
  ...definePlugin<BtrfsBlob>({
    meta: {
      name: 'btrfs',
      version: '0.1.0',
      coreApi: '^1.3.0',
      fsTypes: ['btrfs'],
      description: 'btrfs kernel log (checksum, tree-checker, device errors, aborts) and device error_stats (sysfs, else BTRFS_IOC_GET_DEV_STATS)',
    },
    blobSchema: btrfsBlobSchema,
    // Only kernel-log records are btrfs's; counters are reconciled by the core through `counters`.
    classify: (record, ctx) => (record.source === 'kmsg' ? classifyKmsg(record, ctx) : null),
    mergeKey,
    merge,
    terminal,
    counters: btrfsCounters,
    watchMode: () => ({ mode: 'log+counters', detail: 'kernel log and device error_stats' }),
    // Kernels before 5.14 have no error_stats in sysfs: the probe reads them by ioctl instead.
    createProbe: () => new BtrfsDevStatsProbe(),
  }),
  continuation,
};
