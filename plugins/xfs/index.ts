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
import { XfsHealthProbe } from './probe/health-probe';
import { xfsMode } from './probe/mode';

export type { XfsBlob } from './blob';
export type { XfsHealthMonitorRecord, XfsHealthmonEventIn } from './healthmon';
export { HEALTHMON_LOST, HEALTHMON_UNKNOWN, healthmonRecords } from './healthmon';
export { XfsHealthProbe } from './probe/health-probe';
export { xfsMode } from './probe/mode';
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
      // 7.0: the fserror framework; XFS reports metadata errors, iomap reports file I/O errors.
      fanotifyErrorsSince: '7.0',
    },
    blobSchema: xfsBlobSchema,
    classify,
    mergeKey,
    merge,
    terminal,
    // Linux 6.x: XFS sends no FAN_FS_ERROR; its errors are seen in the log and in the health ioctls.
    // 7.0+ adds FAN_FS_ERROR and the health monitor (probe/mode.ts says which this kernel has).
    watchMode: (mount) => {
      const r = xfsMode(mount);
      const how = r.evidence === 'kallsyms' ? 'kernel symbols' : 'kernel release';
      return r.mode === 'log+ioctl'
        ? { mode: r.mode, detail: 'kernel log and health ioctls' }
        : { mode: r.mode, detail: `kernel log, health ioctls, FAN_FS_ERROR${r.healthMonitor ? ' and the health monitor' : ''} (from the ${how})` };
    },
    // The health probe (geometry at mount, fs/AG sick flags per poll) travels with the plugin.
    createProbe: () => new XfsHealthProbe(),
    // `fsfault report`: which allocation groups and which kinds of metadata keep failing.
    report: {
      title: 'XFS',
      tables: [
        { id: 'ags', title: 'top allocation groups', label: 'AG', fields: ['agno'], perFilesystem: true },
        { id: 'metadata', title: 'top metadata types', label: 'metadata', fields: ['metadataType'] },
      ],
    },
  }),
  continuation,
};
