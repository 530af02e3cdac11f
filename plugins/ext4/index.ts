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

export type { Ext4Blob, Ext4MessageType } from './blob';

export const ext4Plugin = definePlugin<Ext4Blob>({
  meta: {
    name: 'ext4',
    version: '0.1.0',
    coreApi: '^1.0.0',
    fsTypes: [...EXT4_FS_TYPES],
    description: 'ext4/jbd2 kernel log, FAN_FS_ERROR and /sys/fs/ext4 error counters',
  },
  blobSchema: ext4BlobSchema,
  classify(record: RawRecord, ctx: ClassifyContext): EventDraft<Ext4Blob> | null {
    switch (record.source) {
      case 'kmsg':
        return classifyKmsg(record, ctx);
      case 'fanotify':
        return classifyFanotify(record, ctx);
      default:
        // sysfs counters are reconciled by the core through `counters`; nothing else is ext4's.
        return null;
    }
  },
  mergeKey,
  merge: mergeBlob,
  terminal,
  counters: ext4Counters,
});
