/**
 * A small deterministic fleet for the report tests: two hosts, ext4 and XFS filesystems, a death,
 * losses, and one filesystem whose errors surge in the last hours (the "rising" case).
 */
import type { FsEvent } from '../../../core/model/event';
import { ev } from './fixtures';

export const T0 = Date.UTC(2025, 0, 14, 0) * 1000; // µs
const H = 3600e6;

export function fleetEvents(): FsEvent[] {
  const out: FsEvent[] = [];
  // host-a loop0 (ext4): 2 errors every hour for 30 h, alternating functions/inodes.
  for (let h = 0; h < 30; h++) {
    out.push(ev({ host: 'host-a', device: 'loop0', t: T0 + h * H + 60e6, count: 2, errnoName: 'EUCLEAN', errno: 117, inode: h % 3 === 0 ? 12 : 99, blob: { function: h % 2 ? 'ext4_lookup' : 'ext4_find_entry', line: 1, inode: null } }));
  }
  // host-b sdb1 (xfs): quiet, then a surge in the last 6 h of the range (rising).
  out.push(ev({ host: 'host-b', type: 'xfs', device: 'sdb1', t: T0 + 5 * H, count: 1, errnoName: 'EIO', errno: 5, subtypes: ['io'], blob: { agno: 1, metadataType: 'agf' } }));
  for (let h = 24; h < 30; h++) {
    out.push(ev({ host: 'host-b', type: 'xfs', device: 'sdb1', t: T0 + h * H + 120e6, count: 5, errnoName: 'EFSCORRUPTED', errno: 117, subtypes: ['metadata', 'checksum'], blob: { agno: 3, metadataType: h % 2 ? 'bnobt' : 'agf' } }));
  }
  // host-a loop1 (ext4) died at hour 10, then a SUPPRESSED tally.
  out.push(ev({ host: 'host-a', device: 'loop1', t: T0 + 10 * H, kind: 'DIED', count: 3, errnoName: 'EIO', errno: 5, subtypes: ['journal', 'shutdown'], blob: { function: 'jbd2_journal_abort', line: 2, inode: null }, death: { reason: 'journal aborted', suppressed: 2 } }));
  out.push(ev({ host: 'host-a', device: 'loop1', t: T0 + 11 * H, kind: 'SUPPRESSED', count: 7, death: { reason: 'journal aborted', suppressed: 7 } }));
  // Losses: one LOST event with two reasons.
  out.push(ev({ host: 'host-a', kind: 'LOST', t: T0 + 12 * H, count: 40, lost: { byFilesystem: [{ device: 'loop0', count: 40 }], errnos: [117], reasons: [{ reason: 'queue-budget', count: 30 }, { reason: 'kmsg-overrun', count: 10 }] } }));
  return out.sort((a, b) => a.firstSeen - b.firstSeen);
}

/** What the fleet adds up to (kept next to the generator so a change updates both). */
export const FLEET = {
  errors: 30 * 2 + 1 + 6 * 5 + 3 + 7, // ERROR + DIED + SUPPRESSED counts = 101
  lost: 40,
  deaths: 1,
  events: 30 + 1 + 6 + 1 + 1 + 1, // 40
};
