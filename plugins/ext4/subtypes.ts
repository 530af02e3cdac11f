/**
 * Subtypes from what a message says. Keyword rules over the message text, plus the message type;
 * fanotify events get them from the errno alone, and the core ORs both when they merge.
 */
import type { Subtype } from '../../core/plugin-api';
import type { Ext4MessageType } from './blob';
import { CHECKSUM_RX, EIO, EROFS, ESHUTDOWN, IO_RX } from './errno';

const RULES: [RegExp, Subtype[]][] = [
  [CHECKSUM_RX, ['checksum', 'metadata']],
  [IO_RX, ['io']],
  [/beyond end of device/i, ['io']],
  [/journal|jbd2/i, ['journal']],
  [/bitmap|free clusters|free blocks|bg descriptor|allocat|mballoc/i, ['allocation']],
  [/quota/i, ['quota']],
  [/inode|i_mode|dir|entry|extent|htree|itable|xattr|superblock|group descriptor/i, ['metadata']],
  [/writing|writeback|write error|page write/i, ['writeback']],
];

const BY_TYPE: Partial<Record<Ext4MessageType, Subtype[]>> = {
  abort: ['shutdown', 'journal'],
  'jbd2-abort': ['shutdown', 'journal'],
  jbd2: ['journal'],
  shutdown: ['shutdown'],
  'remount-ro': ['readonly'],
  'group-error': ['allocation', 'metadata'],
  'io-error': ['io'],
};

/** Subtypes of a log line from its message text (never the function name: ext4_reserve_inode_write ...). */
export function lineSubtypes(type: Ext4MessageType, fn: string | null, message: string): Subtype[] {
  // Reminders of errors already reported, and log-loss notices, are no error of their own.
  if (type === 'error-summary' || type === 'suppressed') return [];
  // ext4_end_bio: dirty file data could not be written back (its `inode N` is a file, not metadata).
  if (fn === 'ext4_end_bio') return ['io', 'writeback', 'data'];
  // An array with includes, not a Set spread into an array: at most 5 names, and a flood asks per line.
  const byType = BY_TYPE[type];
  const out: Subtype[] = byType === undefined ? [] : byType.slice();
  for (let i = 0; i < RULES.length; i++) {
    const [rx, subs] = RULES[i]!;
    if (!rx.test(message)) continue;
    for (let j = 0; j < subs.length; j++) if (!out.includes(subs[j]!)) out.push(subs[j]!);
  }
  if (out.length === 0 && (type === 'error' || type === 'std-error' || type === 'unknown')) out.push('unknown');
  return out;
}

const BY_ERRNO: Record<number, Subtype[]> = {
  [EIO]: ['io'],
  12: ['internal'],
  28: ['allocation'],
  [EROFS]: ['readonly'],
  74: ['checksum', 'metadata'],
  [ESHUTDOWN]: ['shutdown', 'journal'],
  117: ['metadata'],
};

export function errnoSubtypes(errno: number): Subtype[] {
  return BY_ERRNO[errno] ?? ['unknown'];
}
