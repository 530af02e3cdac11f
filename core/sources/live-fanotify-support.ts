/**
 * Does this kernel send FAN_FS_ERROR for a plugin's filesystems? A mark is accepted on any
 * filesystem with file handles, so a successful mark proves nothing: a filesystem whose driver does
 * not call fsnotify on errors stays silent forever. Marking only where the kernel reports keeps
 * the plugins' counting rule honest (a log line counts 0 only when fanotify really counts that
 * error). Which kernel version started reporting is the plugin's fact (`meta.fanotifyErrorsSince`).
 */
import * as os from 'node:os';
import type { PluginMeta } from '../plugin-api';

export function kernelVersion(release = os.release()): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** `major.minor` → numbers; null when the plugin declares none (or garbage). */
export function sinceOf(meta: Pick<PluginMeta, 'fanotifyErrorsSince'>): [number, number] | null {
  return meta.fanotifyErrorsSince === undefined ? null : kernelVersion(meta.fanotifyErrorsSince);
}

/** Does this kernel send FAN_FS_ERROR for the filesystems of a plugin with this metadata? */
export function fanotifyReportsErrors(meta: Pick<PluginMeta, 'fanotifyErrorsSince'>, release = os.release()): boolean {
  const since = sinceOf(meta);
  const v = kernelVersion(release);
  if (!since || !v) return false;
  return v[0] > since[0] || (v[0] === since[0] && v[1] >= since[1]);
}
