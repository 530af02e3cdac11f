/**
 * /proc/self/mountinfo → MountInfo[] (proc(5)):
 *   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent maj:min root mountpoint mount-options [optional...] - fstype source super-options
 * Paths escape space, tab, newline and backslash as octal (\040 ...).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MountInfo } from '../core/model/raw-record';

/** What the parser needs from the system besides the text: injectable for tests. */
export interface MountProbe {
  /** statfs fsid as 16 hex digits; throws when statfs fails. */
  statfsFsid(mountPoint: string): string;
  /** Never-reused mount id (Linux 6.8+), null when unavailable; may throw. */
  uniqueMountId?(mountPoint: string): number | null;
  /** The kernel's short name of block device maj:min (sb->s_id), or null when it is not a block device. */
  blockDeviceName(majorMinor: string): string | null;
  /** Device short name → filesystem UUID. */
  uuids(): Map<string, string>;
}

export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function sysBlockDeviceName(majorMinor: string): string | null {
  try {
    // /sys/dev/block/7:0 -> ../../devices/virtual/block/loop0; dm-0 for device-mapper, sda1 ...
    return path.basename(fs.realpathSync(`/sys/dev/block/${majorMinor}`));
  } catch {
    return null;
  }
}

export function diskUuids(dir = '/dev/disk/by-uuid'): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return out; // no udev here: uuid stays null
  }
  for (const uuid of names) {
    try {
      out.set(path.basename(fs.realpathSync(path.join(dir, uuid))), uuid);
    } catch {
      // dangling link: the device went away
    }
  }
  return out;
}

export function parseMountInfo(text: string, probe: MountProbe): MountInfo[] {
  const uuids = probe.uuids();
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0 || f.length < sep + 4) continue; // proc(5) guarantees the shape
    const majorMinor = f[2]!;
    const mountPoint = unescapeMountPath(f[4]!);
    const source = unescapeMountPath(f[sep + 2]!);
    const device = probe.blockDeviceName(majorMinor) ?? (source.startsWith('/dev/') ? path.basename(source) : source);
    let fsid: string | null;
    try {
      fsid = probe.statfsFsid(mountPoint);
    } catch {
      fsid = null;
    }
    let uniqueId: number | null = null;
    try {
      uniqueId = probe.uniqueMountId?.(mountPoint) ?? null;
    } catch {
      uniqueId = null;
    }
    const options = [...new Set([...f[5]!.split(','), ...f[sep + 3]!.split(',')].filter(Boolean))];
    out.push({
      mountId: Number(f[0]),
      mountPoint,
      device,
      majorMinor,
      fsType: f[sep + 1]!,
      fsid,
      uuid: uuids.get(device) ?? null,
      options,
      ...(uniqueId === null ? {} : { uniqueId }),
    });
  }
  return out;
}
