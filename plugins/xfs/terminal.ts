/**
 * "And then we died": an XFS forced shutdown ends error reporting for the filesystem until it is
 * mounted again. The reason comes from the SHUTDOWN_* flags (xfs_mount.h), which say more than the
 * message text: `xfs_io -x -c shutdown` logs "Log I/O Error (0x6)", but 0x4 says a user asked.
 */
import type { FsEvent } from '../../core/plugin-api';
import type { XfsBlob } from './blob';

const META_IO_ERROR = 0x01;
const LOG_IO_ERROR = 0x02;
const FORCE_UMOUNT = 0x04;
const CORRUPT_INCORE = 0x08;
const CORRUPT_ONDISK = 0x10;
const DEVICE_REMOVED = 0x20;

/** Most telling cause first: a user request explains the log error it implies, and so on. */
const ORDER: [number, string][] = [
  [FORCE_UMOUNT, 'shutdown: user'],
  [DEVICE_REMOVED, 'shutdown: device-removed'],
  [CORRUPT_ONDISK, 'shutdown: ondisk-corruption'],
  [CORRUPT_INCORE, 'shutdown: corruption'],
  [LOG_IO_ERROR, 'shutdown: log-io-error'],
  [META_IO_ERROR, 'shutdown: metadata-io-error'],
];

/** When the flags are unknown (0), the message text still names the cause. */
const BY_TEXT: Record<string, string> = {
  'Log I/O Error': 'shutdown: log-io-error',
  'Corruption of in-memory data': 'shutdown: corruption',
  'Corruption of on-disk metadata': 'shutdown: ondisk-corruption',
  'Block device removal': 'shutdown: device-removed',
  'Metadata I/O Error': 'shutdown: metadata-io-error',
};

export function shutdownReason(flags: number, text: string | null): string {
  for (const [bit, reason] of ORDER) if (flags & bit) return reason;
  return (text && BY_TEXT[text]) || 'shutdown: unknown';
}

export function terminal(e: Readonly<FsEvent<XfsBlob>>): string | null {
  const b = e.blob;
  if (!b || b.messageType !== 'shutdown') return null;
  return shutdownReason(b.shutdownFlags ?? 0, b.shutdownReason);
}
