/**
 * The state probe's HealthRecord → an `emergency-ro` event: count 0 (the error that caused it was
 * counted by its own line / fanotify event), terminal (merge.ts: reason `remount-ro`, the same as
 * the log line's, so either one makes the one DIED event).
 */
import type { ClassifyContext, EventDraft, HealthRecord } from '../../core/plugin-api';
import { emptyBlob, type Ext4Blob } from './blob';
import { EMERGENCY_RO } from './state-probe';

export function classifyState(rec: HealthRecord, _ctx: ClassifyContext): EventDraft<Ext4Blob> | null {
  // Garbled records (the kit sends them) are not ours: never throw, never a half-filled draft.
  if (rec.scope !== 'fs' || rec.failure !== null || typeof rec.device !== 'string' || !Number.isSafeInteger(rec.readAtUs)) return null;
  if (!Number.isInteger(rec.sick) || (rec.sick & EMERGENCY_RO) === 0) return null;
  return {
    device: rec.device,
    errno: null,
    count: 0,
    timeUs: rec.readAtUs,
    source: 'ioctl',
    subtypes: [],
    inode: null,
    path: null,
    blob: { ...emptyBlob('emergency-ro'), message: 'super option emergency_ro (errors=remount-ro took effect)' },
  };
}
