/**
 * fsfault's native layer: the typed loader of fsfault_native.node (the only `require` of it) and
 * the functions the rest of fsfault uses. See native/README.md for the contract.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsfaultError } from '../core/errors';
import type { MountInfo } from '../core/model/raw-record';
import { abiBuildDir } from './abi-build';
import { diskUuids, parseMountInfo, sysBlockDeviceName } from './mount-table';
import { callNative, fromNativeError } from './native-error';
import type { BatchHandler, BtrfsDevStats, HandleInfo, NativeBinding, ResolvedHandle, Watcher, WatcherOptions, XfsAgGeometry, XfsFsGeometry, XfsInodeHealth } from './types';
import { createWatcherWith } from './watcher';

export type * from './types';
export { parseKmsgRecord } from './kmsg-parse';

/** dist/native/index.js → repository root. */
const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * FSFAULT_NATIVE_ADDON (an explicit .node file) comes first: scripts/native-sanitize.sh runs the
 * tests against an ASan/UBSan build of the addon that way. Then the running Node's own per-ABI
 * build (native/abi-build.ts), then the default build.
 */
export const DEFAULT_ADDON_PATHS: readonly string[] = [
  ...(process.env.FSFAULT_NATIVE_ADDON ? [path.resolve(process.env.FSFAULT_NATIVE_ADDON)] : []),
  path.join(abiBuildDir(), 'fsfault_native.node'),
  path.join(repoRoot, 'native', 'build', 'Release', 'fsfault_native.node'),
  path.join(repoRoot, 'native', 'build', 'Debug', 'fsfault_native.node'),
];

let cached: NativeBinding | undefined;

/** Load the addon from the first existing path (Release, then Debug). */
export function loadNative(searchPaths: readonly string[] = DEFAULT_ADDON_PATHS): NativeBinding {
  const useCache = searchPaths === DEFAULT_ADDON_PATHS;
  if (useCache && cached) return cached;
  const found = searchPaths.find((p) => fs.existsSync(p));
  if (!found) {
    throw new FsfaultError(
      'NATIVE_MISSING',
      `fsfault native addon is not built (looked in ${searchPaths.join(', ')}): run npm run build:native (needs a C++ compiler and Node headers in /usr/include/node)`,
      { details: { searchPaths: [...searchPaths] } },
    );
  }
  let binding: NativeBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    binding = require(found) as NativeBinding;
  } catch (e) {
    throw new FsfaultError('NATIVE_MISSING', `fsfault native addon at ${found} cannot be loaded (${(e as Error).message}): rebuild it with npm run build:native`, {
      details: { searchPaths: [...searchPaths], path: found },
      cause: e,
    });
  }
  if (useCache) cached = binding;
  return binding;
}

export function statfsFsid(p: string): string {
  return callNative(() => loadNative().statfsFsid(p));
}

/** flock(fd, LOCK_EX|LOCK_NB): true when this fd now holds the lock, false when another holds it. */
export function flockExclusive(fd: number): boolean {
  return callNative(() => loadNative().flockExclusive(fd));
}

/** One sd_notify(3) datagram (READY=1, WATCHDOG=1 ...) to $NOTIFY_SOCKET's path ('@' = abstract). */
export function sdNotify(socketPath: string, state: string): void {
  callNative(() => loadNative().sdNotify(socketPath, state));
}

export function nameToHandle(p: string): HandleInfo {
  return callNative(() => loadNative().nameToHandle(p));
}

/** Resolve a fanotify FID to a path; an errno name when the kernel cannot (ESTALE: inode gone or corrupt). */
export function resolveHandle(mountPoint: string, handleType: number, handleHex: string): ResolvedHandle {
  checkHandle(handleType, handleHex);
  // FILEID_INVALID with no bytes is the superblock-level "no inode" handle: nothing to open.
  if (handleType === 255 && handleHex === '') return { error: 'EMPTY_HANDLE' };
  const r = loadNative().resolveHandle(mountPoint, handleType, Buffer.from(handleHex, 'hex'));
  return 'path' in r ? { path: r.path } : { error: r.error };
}

function checkHandle(handleType: number, handleHex: string): void {
  if (!Number.isInteger(handleType) || handleType < -2147483648 || handleType > 2147483647) {
    throw new FsfaultError('NATIVE_SYSCALL', `resolveHandle: handleType must be a 32-bit integer (got ${handleType})`, { details: { errno: 'EINVAL', syscall: 'open_by_handle_at' } });
  }
  if (!/^(?:[0-9a-fA-F]{2}){0,128}$/.test(handleHex)) {
    throw new FsfaultError('NATIVE_SYSCALL', `resolveHandle: handle must be at most 128 bytes of hex (got '${handleHex}')`, { details: { errno: 'EINVAL', syscall: 'open_by_handle_at' } });
  }
}

/**
 * resolveHandle on the libuv thread pool: open_by_handle_at reads the inode, which on a failing
 * disk can take seconds. Callers bound how many run at once (core/sources/async-limiter.ts).
 */
export async function resolveHandleAsync(mountPoint: string, handleType: number, handleHex: string): Promise<ResolvedHandle> {
  checkHandle(handleType, handleHex);
  if (handleType === 255 && handleHex === '') return { error: 'EMPTY_HANDLE' };
  const r = await loadNative().resolveHandleAsync(mountPoint, handleType, Buffer.from(handleHex, 'hex'));
  return 'path' in r ? { path: r.path } : { error: r.error };
}

/** xfsFsGeometry on the libuv thread pool (the ioctl can wait for the disk). */
export async function xfsFsGeometryAsync(mountPoint: string): Promise<XfsFsGeometry> {
  try {
    return await loadNative().xfsFsGeometryAsync(mountPoint);
  } catch (e) {
    throw fromNativeError(e);
  }
}

/**
 * btrfs device error counters by BTRFS_IOC_FS_INFO + BTRFS_IOC_GET_DEV_STATS (no reset), one entry
 * per existing devid, on the libuv thread pool: the fallback where sysfs has no error_stats.
 */
export async function btrfsDevStatsAsync(mountPoint: string): Promise<BtrfsDevStats[]> {
  try {
    return await loadNative().btrfsDevStatsAsync(mountPoint);
  } catch (e) {
    throw fromNativeError(e);
  }
}

/** xfsAgGeometry on the libuv thread pool. */
export async function xfsAgGeometryAsync(mountPoint: string, agno: number): Promise<XfsAgGeometry> {
  try {
    return await loadNative().xfsAgGeometryAsync(mountPoint, agno);
  } catch (e) {
    throw fromNativeError(e);
  }
}

export function xfsFsGeometry(mountPoint: string): XfsFsGeometry {
  return callNative(() => loadNative().xfsFsGeometry(mountPoint));
}

export function xfsAgGeometry(mountPoint: string, agno: number): XfsAgGeometry {
  return callNative(() => loadNative().xfsAgGeometry(mountPoint, agno));
}

export function xfsBulkstatHealth(mountPoint: string, ino: number): XfsInodeHealth {
  return callNative(() => loadNative().xfsBulkstatHealth(mountPoint, ino));
}

export function readMountTable(): MountInfo[] {
  const binding = loadNative();
  return parseMountInfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'), {
    statfsFsid: (p) => binding.statfsFsid(p),
    uniqueMountId: (p) => binding.uniqueMountId(p),
    blockDeviceName: sysBlockDeviceName,
    uuids: () => diskUuids(),
  });
}

export function createWatcher(options: WatcherOptions, onBatch: BatchHandler): Watcher {
  return createWatcherWith(loadNative(), options, onBatch);
}
