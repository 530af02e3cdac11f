/**
 * The ext4 plugin: ext4/jbd2 kernel log lines, FAN_FS_ERROR events and the sysfs error counters of
 * ext4 (and ext3, which the ext4 driver mounts). See README.md.
 */
import { definePlugin, type ClassifyContext, type EventDraft, type RawRecord } from '../../core/plugin-api';
import { ext4BlobSchema, type Ext4Blob } from './blob';
import { classifyFanotify } from './classify-fanotify';
import { classifyKmsg, EXT4_FS_TYPES } from './classify-kmsg';
import { ext4Counters } from './counters';
import { mergeBlob, mergeKey, terminal } from './merge';
import { classifyState } from './classify-state';
import { Ext4StateProbe } from './state-probe';
import { doctorChecks } from './doctor';

export type { Ext4Blob, Ext4MessageType } from './blob';

export const ext4Plugin = definePlugin<Ext4Blob>({
  meta: {
    name: 'ext4',
    version: '0.1.0',
    coreApi: '^1.3.0',
    fsTypes: [...EXT4_FS_TYPES],
    description: 'ext4/jbd2 kernel log, FAN_FS_ERROR and /sys/fs/ext4 error counters',
    // 5.16: fsnotify_sb_error() from __ext4_error*, __ext4_std_error (ext3 is mounted by ext4).
    fanotifyErrorsSince: '5.16',
  },
  blobSchema: ext4BlobSchema,
  classify(record: RawRecord, ctx: ClassifyContext): EventDraft<Ext4Blob> | null {
    switch (record.source) {
      case 'kmsg':
        return classifyKmsg(record, ctx);
      case 'fanotify':
        return classifyFanotify(record, ctx);
      case 'ioctl':
        return classifyState(record, ctx); // the state probe: emergency_ro
      default:
        // sysfs counters are reconciled by the core through `counters`; nothing else is ext4's.
        return null;
    }
  },
  mergeKey,
  merge: mergeBlob,
  terminal,
  counters: ext4Counters,
  // 6.15+: errors=remount-ro shows only as the super option emergency_ro (state-probe.ts).
  createProbe: () => new Ext4StateProbe('ext4'),
  doctorChecks: (mount) => doctorChecks(mount),
  // `fsfault report`: where the errors are in the code, and which inodes keep failing.
  report: {
    title: 'ext4',
    tables: [
      { id: 'functions', title: 'top functions', label: 'function', fields: ['function'] },
      { id: 'inodes', title: 'top inodes', label: 'inode', fields: ['inode'], eventField: 'inode', perFilesystem: true },
    ],
  },
});
