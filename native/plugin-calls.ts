/**
 * The native calls the plugin API hands to plugins' probes (`kernel` in core/plugin-api.ts).
 * Plugins may not import native/ (eslint): a probe that needs a filesystem's ioctl gets it from
 * here, through the API, so the addon stays the one place that issues system calls and core never
 * names a filesystem (it re-exports this module whole). Every call runs off the JS thread where
 * it can wait for the disk, and fails with a typed NATIVE_SYSCALL error whose details.errno is the
 * errno name. Adding a call for a new filesystem is an edit here and in the addon, never in core.
 */
export { btrfsDevStatsAsync, xfsAgGeometryAsync, xfsFsGeometryAsync } from './index';
export type { BtrfsDevStats, XfsAgGeometry, XfsFsGeometry } from './types';
