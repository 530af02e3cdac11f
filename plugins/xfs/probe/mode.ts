/**
 * How the kernel reports XFS errors, per mounted XFS (for the doctor and the live source):
 *
 * - `log+ioctl` (Linux 6.x): kernel-log lines plus health flags read by ioctl. A fanotify
 *   FAN_FS_ERROR mark on XFS is accepted and never fires; XFS_IOC_HEALTH_MONITOR gives ENOTTY.
 * - `healthmon/fanotify` (Linux 7.0+): XFS reports metadata errors through the generic fserror
 *   layer as FAN_FS_ERROR, and XFS_IOC_HEALTH_MONITOR hands out an fd of health events.
 *
 * Both 7.0 features came in one merge window ("fs: generic file IO error reporting" with "xfs:
 * report fs metadata errors via fsnotify", then the health monitor), and neither has a feature
 * flag to query. The evidence is the kernel's symbol table: `fserror_report` exists exactly when
 * the fserror layer is built in, `xfs_ioc_health_monitor` exactly when CONFIG_XFS_HEALTH_MONITOR
 * is (otherwise the ioctl is a stub returning ENOTTY). Without a readable /proc/kallsyms the kernel
 * release decides (7.0+), and the report says so. Probing with the ioctl itself would be firmer,
 * but opening a real monitor just to look would steal the one monitor a filesystem allows from
 * xfs_healer.
 *
 * The 7.0 side is decided from constructed symbol tables and releases only: this machine runs 6.18.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { FsfaultError } from '../../../core/plugin-api';
import type { MountInfo } from '../../../core/plugin-api';

export type XfsReportingMode = 'log+ioctl' | 'healthmon/fanotify';

export interface XfsKernelFeatures {
  /** XFS_IOC_HEALTH_MONITOR exists (does not give ENOTTY). */
  healthMonitor: boolean;
  /** XFS sends FAN_FS_ERROR for metadata errors. */
  fanotifyFsError: boolean;
  /** 'kallsyms' (symbols looked up) or 'kernel-release' (kallsyms unreadable; version guessed). */
  evidence: 'kallsyms' | 'kernel-release';
}

export interface XfsModeReport extends XfsKernelFeatures {
  mountPoint: string;
  device: string;
  mode: XfsReportingMode;
}

const HEALTH_MONITOR_SYMBOL = 'xfs_ioc_health_monitor';
const FSERROR_SYMBOL = 'fserror_report';

/** Features from /proc/kallsyms text ("addr type name [module]" lines). */
export function featuresFromKallsyms(text: string): XfsKernelFeatures {
  const has = (sym: string) => new RegExp(`^\\S+ \\S ${sym}(?:\\s|$)`, 'm').test(text);
  return { healthMonitor: has(HEALTH_MONITOR_SYMBOL), fanotifyFsError: has(FSERROR_SYMBOL), evidence: 'kallsyms' };
}

/** Features from a kernel release string such as `6.18.44-fc` or `7.0.0-rc1`. */
export function featuresFromRelease(release: string): XfsKernelFeatures {
  const m = /^(\d+)\.(\d+)/.exec(release);
  const seven = m !== null && Number(m[1]) >= 7;
  return { healthMonitor: seven, fanotifyFsError: seven, evidence: 'kernel-release' };
}

export function modeOf(f: Pick<XfsKernelFeatures, 'healthMonitor' | 'fanotifyFsError'>): XfsReportingMode {
  // FAN_FS_ERROR changes what the log lines mean (the same error arrives twice); the monitor alone
  // adds a channel but the log stays the only complete one.
  return f.fanotifyFsError ? 'healthmon/fanotify' : 'log+ioctl';
}

let cached: XfsKernelFeatures | undefined;

/** This kernel's features, read once per process (the symbol table is about 5 MB). */
export function kernelXfsFeatures(): XfsKernelFeatures {
  if (cached) return cached;
  let text: string | null = null;
  try {
    text = fs.readFileSync('/proc/kallsyms', 'utf8');
  } catch {
    // no /proc, or kallsyms not built: fall back to the release
  }
  // Unprivileged readers see the names too (only addresses are zeroed), so an empty or
  // xfs-less table means the symbols are not shown at all, not that they are absent.
  if (text === null || !/^\S+ \S xfs_fs_geometry(?:\s|$)/m.test(text)) return featuresFromRelease(os.release());
  // Cached only from the symbols: xfs may be a module that is loaded later.
  cached = featuresFromKallsyms(text);
  return cached;
}

/** The reporting mode of an XFS mount (the mount, not a device name: probes take the mount). */
export function xfsMode(m: Pick<MountInfo, 'mountPoint' | 'device' | 'fsType'>): XfsModeReport {
  if (m.fsType !== 'xfs') {
    throw new FsfaultError('CLI_BAD_ARGUMENT', `xfsMode: ${m.mountPoint} is not a mounted XFS (it is ${m.fsType})`, { details: { mountPoint: m.mountPoint } });
  }
  const f = kernelXfsFeatures();
  return { mountPoint: m.mountPoint, device: m.device, mode: modeOf(f), ...f };
}
