/**
 * The XFS plugin. On Linux 6.x XFS sends no FAN_FS_ERROR: it reports through the kernel log and
 * through in-memory health flags read by ioctl. 7.0 adds fanotify events and a health-monitor fd;
 * both are classified too. See README.md for the message types, the merge and died rules, and the
 * plugin API extensions this plugin proposes (continuation lines, filesystem geometry).
 */
import type { ClassifyContext, EventDraft, FsPlugin, KmsgRecord, RawRecord } from '../../core/plugin-api';
import { definePlugin } from '../../core/plugin-api';
import type { XfsBlob } from './blob';
import { xfsBlobSchema } from './blob';
import { classifyFanotify } from './classify-fanotify';
import { classifyHealth } from './classify-health';
import { classifyKmsg } from './classify-kmsg';
import { continuation } from './continuation';
import { classifyHealthMonitor, isHealthMonitorRecord } from './healthmon';
import { merge, mergeKey } from './merge';
import { terminal } from './terminal';

export type { XfsBlob } from './blob';
export type { XfsHealthMonitorRecord, XfsHealthmonEventIn } from './healthmon';
export { HEALTHMON_LOST, HEALTHMON_UNKNOWN, healthmonRecords } from './healthmon';
export { XfsHealthmonFeed, fallbackReason } from './healthmon-feed';
export type { HealthmonHandle, HealthmonOpener, HealthmonStatus } from './healthmon-feed';

function classify(record: RawRecord, ctx: ClassifyContext): EventDraft<XfsBlob> | null {
  // The health-monitor record is not in the core's RawRecord union yet (proposed in README.md).
  if (isHealthMonitorRecord(record)) return classifyHealthMonitor(record, ctx);
  switch (record.source) {
    case 'kmsg':
      return classifyKmsg(record, ctx);
    case 'ioctl':
      return record.fsType === 'xfs' ? classifyHealth(record, ctx) : null;
    case 'fanotify':
      return classifyFanotify(record, ctx);
    default:
      return null; // XFS keeps no error counters in sysfs; mount and loss records are the core's
  }
}

/** The plugin object plus the proposed optional `continuation` member (README.md). */
export const xfsPlugin: FsPlugin<XfsBlob> & {
  continuation(record: KmsgRecord, previous: Parameters<typeof continuation>[1]): XfsBlob | null;
} = {
  ...definePlugin<XfsBlob>({
    meta: {
      name: 'xfs',
      version: '0.1.0',
      coreApi: '^1.0.0',
      fsTypes: ['xfs'],
      description: 'XFS kernel-log messages, health flags (FSGEOMETRY/AG_GEOMETRY/BULKSTAT), 7.0 health monitor and fanotify',
    },
    blobSchema: xfsBlobSchema,
    classify,
    mergeKey,
    merge,
    terminal,
    // Linux 6.x: XFS sends no FAN_FS_ERROR; its errors are seen in the log and in the health ioctls.
    watchMode: () => ({ mode: 'log+ioctl', detail: 'kernel log and health ioctls' }),
  }),
  continuation,
};
