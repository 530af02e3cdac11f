/**
 * The generic kernel lines that say the kernel itself dropped a filesystem error report (Linux 7.0
 * `fs/fserror.c`, any filesystem): when its pool of 32 preallocated reports is empty,
 * `fserror_report()` logs, rate-limited,
 *   "%s: lost file I/O error report for ino %lu type %u pos 0x%llx len 0x%llx error %d"
 *   "%s: lost filesystem error report for type %u error %d"
 * where %s is the superblock id (the device name, e.g. `loop0`) and error is negative. The rate
 * limiter itself then logs "fserror_report: %d callbacks suppressed" for lines it swallowed, each
 * one another lost report whose device is unknown. These lines are VFS lines, not any
 * filesystem's, so the core reads them (no plugin owns them) and counts them as losses.
 * Hand-written: three fixed kernel formats, no library parses them.
 */
import type { KmsgRecord } from '../model/raw-record';

/** LOST reason of reports the kernel dropped before fanotify saw them. */
export const KERNEL_REPORT_LOST = 'kernel-report-lost';

export interface KernelLostReport {
  /** Superblock id named by the line (the device), null for the rate limiter's summary. */
  device: string | null;
  count: number;
}

const FILE_IO = /^(\S+): lost file I\/O error report for ino \d+ type \d+ pos 0x[0-9a-f]+ len 0x[0-9a-f]+ error -?\d+$/;
const FILESYSTEM = /^(\S+): lost filesystem error report for type \d+ error -?\d+$/;
const SUPPRESSED = /^fserror_report: (\d+) callbacks suppressed$/;

/** The loss a kernel-log record reports, or null when it is no such line. */
export function kernelLostReport(r: KmsgRecord): KernelLostReport | null {
  if (r.facility !== 0) return null; // a user process wrote it
  // Every kernel-log record passes here: a literal each form contains rules out almost all of them
  // before the trimEnd copy and the three regexes (a flood's cost is per record).
  if (!r.text.startsWith('fserror_report: ') && !r.text.includes(': lost f')) return null;
  const text = r.text.trimEnd();
  const m = FILE_IO.exec(text) ?? FILESYSTEM.exec(text);
  if (m) return { device: m[1]!, count: 1 };
  const s = SUPPRESSED.exec(text);
  if (s) {
    const n = Number(s[1]);
    return n > 0 ? { device: null, count: n } : null;
  }
  return null;
}
