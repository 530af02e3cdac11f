/**
 * The errno a log line stands for: the value fanotify reports for the same ext4 call site
 * (kernel-error-sources.md 1.7, and the fixtures: trigger 117, abort 108, dir block csum 74,
 * itable read 5, `Detected aborted journal` 5). A log line and its fanotify event must agree on it,
 * because errno is part of the merge key that fuses them. README.md has the table.
 */
import type { Ext4MessageType } from './blob';

export const EIO = 5;
const ENOMEM = 12;
export const EROFS = 30;
const EBADMSG = 74; // EFSBADCRC
export const ESHUTDOWN = 108;
const EUCLEAN = 117; // EFSCORRUPTED

/** ext4_decode_error() strings of `EXT4-fs error (device X) in fn:line: <string>`. */
const STD_ERROR: Record<string, number> = {
  'Corrupt filesystem': EUCLEAN,
  'Filesystem failed CRC': EBADMSG,
  'IO failure': EIO,
  'Out of memory': ENOMEM,
  'Journal has aborted': EROFS,
  'Readonly filesystem': EROFS,
};

/** blk_status_t strings of `<status> error, dev sda, sector ...` → the errno blk_status_to_errno gives. */
const BLK_STATUS: Record<string, number> = {
  'I/O': EIO,
  timeout: 110,
  'critical space allocation': 28,
  'recoverable transport': 67,
  'critical target': 121,
  'critical nexus': 52,
  'critical medium': 61,
  protection: 84,
  'kernel resource': ENOMEM,
  'device resource': 11,
  'operation not supported': 95,
};

export const CHECKSUM_RX = /checksum|csum|crc/i;
export const IO_RX = /I\/O error|IO failure|IO errors|unable to read|cannot read|error reading|read error|lost (?:a)?sync page write/i;
const ERROR_N_RX = /\berror (-?\d+)\b/i;

/** errno of one parsed log line; null when the line names no error of its own. */
export function lineErrno(type: Ext4MessageType, fn: string | null, message: string, status: string | undefined): number | null {
  switch (type) {
    case 'abort':
      // ext4_abort(sb, ESHUTDOWN, "Abort forced by user"); ext4_abort(sb, -j_errno, "Detected aborted journal") with j_errno -EIO.
      return /Abort forced by user/.test(message) ? ESHUTDOWN : EIO;
    case 'std-error':
      return STD_ERROR[message] ?? errorN(message) ?? EUCLEAN;
    case 'error':
    case 'group-error':
      if (CHECKSUM_RX.test(message)) return EBADMSG;
      if (IO_RX.test(message)) return EIO;
      return EUCLEAN;
    case 'warning':
      // ext4_end_bio prints a blk_status_t (`I/O error 10 writing`), not an errno.
      if (fn === 'ext4_end_bio' || IO_RX.test(message)) return EIO;
      return errorN(message);
    case 'shutdown':
      return ESHUTDOWN; // what 7.0's fserror_report_shutdown reports
    case 'remount-ro':
      return EROFS;
    case 'jbd2':
      return IO_RX.test(message) ? EIO : errorN(message);
    case 'io-error':
      return status === undefined ? EIO : (BLK_STATUS[status] ?? EIO);
    case 'unknown':
      // No known format, but `previous I/O error to superblock detected` still says what it is.
      if (CHECKSUM_RX.test(message)) return EBADMSG;
      return IO_RX.test(message) ? EIO : null;
    default:
      return null; // jbd2-abort, error-summary, suppressed: no error of their own
  }
}

function errorN(message: string): number | null {
  const m = ERROR_N_RX.exec(message);
  return m ? Math.abs(Number(m[1])) : null;
}
