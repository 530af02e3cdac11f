/**
 * Where the live source starts reading the kernel log. Sequence numbers restart at boot, so the
 * stored `kmsg.seq` is only a resume point when the stored `kmsg.boot` is this boot's id; otherwise
 * (first run, a replay wrote the store, the machine rebooted) reading starts at the log's end.
 */
import * as fs from 'node:fs';
import type { KmsgStart } from '../../native/types';
import { createWatcher } from '../../native/index';

export interface CursorReader {
  sourceCursor(name: string): string | null;
}

export function bootId(): string {
  return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

export interface KmsgResume {
  start: KmsgStart;
  /** Why it starts where it does (for the log). */
  why: string;
}

export function kmsgResume(store: CursorReader | null, boot: string): KmsgResume {
  const seq = store?.sourceCursor('kmsg.seq') ?? null;
  if (seq === null) return { start: 'end', why: 'no stored kernel-log cursor' };
  const storedBoot = store?.sourceCursor('kmsg.boot') ?? null;
  if (storedBoot !== boot) return { start: 'end', why: `the stored kernel-log cursor ${seq} is from ${storedBoot === null ? 'a replay or an older fsfault' : 'another boot'}` };
  if (!/^\d+$/.test(seq)) return { start: 'end', why: `the stored kernel-log cursor '${seq}' is not a sequence number` };
  return { start: { afterSeq: Number(seq) }, why: `resuming after kernel-log record ${seq}` };
}

/**
 * The sequence number of the newest kernel-log record right now: a throwaway reader opened at the
 * end knows it at once (it reads through the ring when it opens).
 */
export async function kmsgHeadSeq(): Promise<number | null> {
  const w = createWatcher({ kmsg: { start: 'end' } }, () => undefined);
  try {
    return w.lastKmsgSeq();
  } finally {
    await w.stop();
  }
}
