/**
 * The btrfs plugin: BTRFS kernel-log lines and the per-device error counters (sysfs error_stats).
 * btrfs sends no FAN_FS_ERROR on Linux 6.x; see README.md for the lines, merge and died rules.
 */
import { definePlugin, type FsPlugin, type KmsgRecord } from '../../core/plugin-api';
import { btrfsBlobSchema, type BtrfsBlob } from './blob';
import { classifyKmsg } from './classify-kmsg';
import { btrfsCounters } from './counters';
import { continuation, merge, mergeKey, terminal } from './merge';

export type { BtrfsBlob, BtrfsMessageType } from './blob';

export const btrfsPlugin: FsPlugin<BtrfsBlob> & { continuation(record: KmsgRecord, previous: Parameters<typeof continuation>[1]): BtrfsBlob | null } = {
  ...definePlugin<BtrfsBlob>({
    meta: {
      name: 'btrfs',
      version: '0.1.0',
      coreApi: '^1.2.0',
      fsTypes: ['btrfs'],
      description: 'btrfs kernel log (checksum, tree-checker, device errors, aborts) and /sys/fs/btrfs device error_stats',
    },
    blobSchema: btrfsBlobSchema,
    // Only kernel-log records are btrfs's; counters are reconciled by the core through `counters`.
    classify: (record, ctx) => (record.source === 'kmsg' ? classifyKmsg(record, ctx) : null),
    mergeKey,
    merge,
    terminal,
    counters: btrfsCounters,
    watchMode: () => ({ mode: 'log+counters', detail: 'kernel log and device error_stats' }),
  }),
  continuation,
};
