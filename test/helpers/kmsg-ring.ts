/**
 * The kernel log ring, as kernel tests need to see it: the oldest and newest sequence numbers,
 * and a flood of user-space records (level 7, not on the console) that pushes a given record out,
 * to make a reader miss records on purpose. Writing needs /proc/sys/kernel/printk_devkmsg = on.
 */
import * as fs from 'node:fs';

/** Sequence number of the oldest record the ring still holds (a fresh reader starts there). */
export function oldestKmsgSeq(): number {
  const fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(8192);
    for (;;) {
      try {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        return Number(buf.subarray(0, n).toString('latin1').split(',')[1]);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Sequence number of the newest record in the ring (reads a fresh cursor to the end). */
export function newestKmsgSeq(): number {
  const fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.alloc(8192);
  let last = -1;
  try {
    for (;;) {
      try {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        last = Number(buf.toString('latin1', 0, Math.min(n, 64)).split(',')[1]);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') return last;
        if (code !== 'EPIPE') throw e;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Write at least `minLines` records, and until the ring no longer holds seq `keep`; returns how many. */
export function floodKmsgPast(keep: number, tag: string, minLines = 0): number {
  const fd = fs.openSync('/dev/kmsg', 'w');
  const filler = 'x'.repeat(400);
  let n = 0;
  try {
    while (n < minLines || oldestKmsgSeq() <= keep) {
      for (let i = 0; i < 500; i++) fs.writeSync(fd, `<7>${tag} flood ${n++} ${filler}\n`);
      if (n > 200_000) throw new Error(`the kernel ring still holds seq ${keep} after ${n} lines: is the ring that big?`);
    }
  } finally {
    fs.closeSync(fd);
  }
  return n;
}
