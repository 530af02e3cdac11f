/**
 * The Linux 7.0 XFS health monitor (XFS_IOC_HEALTH_MONITOR) from JS: open one per mounted XFS,
 * receive its decoded records, stop it. The thread, the bounded queue and the record layout are in
 * src/healthmon_monitor.cc and src/xfs_healthmon.cc (native/README.md, "XFS health monitor").
 *
 * `openXfsHealthMonitor` resolves once the kernel handed out the monitor fd, and rejects with a
 * typed NATIVE_SYSCALL / PRIVILEGE_MISSING error whose details.errno says why not: ENOTTY or EINVAL
 * (a kernel without the ioctl: every 6.x), EEXIST (another monitor, e.g. xfs_healer, holds the
 * filesystem's only slot), EPERM (not CAP_SYS_ADMIN in the initial user namespace, or the path is
 * not the filesystem's root directory), EIO (the mount point cannot be opened: already shut down).
 */
import { FsfaultError } from '../core/errors';
import { loadNative } from './index';
import { fromNativeError } from './native-error';
import type { XfsHealthMonitorStats, XfsHealthmonEvent } from './types';

export interface XfsHealthMonitorOptions {
  /** Also report healthy transitions and repeated sick reports (XFS_HEALTH_MONITOR_VERBOSE). */
  verbose?: boolean;
  /** Decoded events that may wait for JS before the thread stops reading (default 1024). */
  maxQueued?: number;
}

export interface XfsHealthMonitorHandle {
  /** Close the monitor; resolves when the reader thread has ended (`ended`). */
  stop(): Promise<FsfaultError | null>;
  /** Settles when the monitor ends: null at EOF (unmount) or stop, else the read failure. */
  readonly ended: Promise<FsfaultError | null>;
  stats(): XfsHealthMonitorStats;
}

/** Which way a monitor reads: a mounted XFS, or (tests only) an fd carrying records. */
type Target = { mountPoint: string } | { fd: number };

function open(target: Target, onEvents: (events: XfsHealthmonEvent[]) => void, opts: XfsHealthMonitorOptions): Promise<XfsHealthMonitorHandle> {
  const maxQueued = opts.maxQueued ?? 1024;
  if (!Number.isInteger(maxQueued) || maxQueued < 1 || maxQueued > 1 << 20) {
    throw new FsfaultError('CONFIG_INVALID', `xfs health monitor: maxQueued must be an integer in [1, 1048576] (got ${maxQueued})`);
  }
  const Native = loadNative().XfsHealthMonitor;
  return new Promise((resolve, reject) => {
    try {
      start(resolve, reject);
    } catch (e) {
      reject(fromNativeError(e)); // eventfd or pthread_create refused: typed, never an abort
    }
  });

  function start(resolve: (h: XfsHealthMonitorHandle) => void, reject: (e: unknown) => void): void {
    let opened = false;
    let endResolve!: (e: FsfaultError | null) => void;
    const ended = new Promise<FsfaultError | null>((r) => (endResolve = r));
    const handle: XfsHealthMonitorHandle = {
      stop: () => {
        native.stop();
        return ended;
      },
      ended,
      stats: () => native.stats(),
    };
    const native = new Native(
      { ...target, verbose: opts.verbose === true, maxQueued },
      () => {
        opened = true;
        resolve(handle);
      },
      onEvents,
      (err) => {
        const e = err === null ? null : (fromNativeError(err) as FsfaultError);
        endResolve(e);
        if (!opened) reject(e ?? new FsfaultError('NATIVE_SYSCALL', 'xfs health monitor ended before it opened'));
      },
    );
  }
}

/** Opens the health monitor of the XFS whose root directory is `mountPoint`. */
export function openXfsHealthMonitor(mountPoint: string, onEvents: (events: XfsHealthmonEvent[]) => void, opts: XfsHealthMonitorOptions = {}): Promise<XfsHealthMonitorHandle> {
  return open({ mountPoint }, onEvents, opts);
}

/**
 * The same reader thread over an fd the caller supplies (dup'ed, made non-blocking): the unit
 * tests feed byte-exact records through a pipe, since no kernel here (6.18) has the ioctl.
 */
export function readXfsHealthmonFdForTest(fd: number, onEvents: (events: XfsHealthmonEvent[]) => void, opts: XfsHealthMonitorOptions = {}): Promise<XfsHealthMonitorHandle> {
  return open({ fd }, onEvents, opts);
}

/** The reader's parser on a buffer: whole 64-byte records, and how many bytes they took. */
export function parseXfsHealthmonRecords(buf: Buffer): { events: XfsHealthmonEvent[]; consumed: number } {
  return loadNative().parseXfsHealthmonForTest(buf);
}
