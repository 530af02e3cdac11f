/**
 * Reads a filesystem's error counters from sysfs as its plugin's CounterProbe describes them, from
 * the mount (the probe names the directory: ext4 by device, btrfs by UUID). Whole numbers become
 * numbers, anything else stays a trimmed string; a file that is missing is left out; a `*` path
 * segment is expanded to each entry of that directory (one per device of a multi-device fs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CounterRecord, MountInfo } from '../model/raw-record';
import type { CounterProbe } from '../plugin-api';

/** The directory of a probe for a mount: `sysfsDirOf(mount)` (1.2.0) or `sysfsDir(device)` (1.0.0). */
export function counterDir(probe: CounterProbe, mount: MountInfo): string | null {
  if (probe.sysfsDirOf) return probe.sysfsDirOf(mount);
  if (probe.sysfsDir) return probe.sysfsDir(mount.device);
  return null;
}

/** `a/*\/b` → every existing `a/<entry>/b` (relative to dir), sorted; plain names unchanged. */
export function expandFiles(dir: string, pattern: string): string[] {
  let out = [''];
  for (const seg of pattern.split('/')) {
    if (seg !== '*') {
      out = out.map((p) => (p ? `${p}/${seg}` : seg));
      continue;
    }
    out = out.flatMap((p) => {
      try {
        return fs.readdirSync(path.join(dir, p)).sort().map((e) => (p ? `${p}/${e}` : e));
      } catch {
        return [];
      }
    });
  }
  return out;
}

/** One reading, or null when the counter directory does not exist (not mounted any more). */
export function readCounters(probe: CounterProbe, mount: MountInfo, nowUs = Date.now() * 1000): CounterRecord | null {
  const dir = counterDir(probe, mount);
  if (dir === null || !fs.existsSync(dir)) return null;
  const counters: Record<string, number | string> = {};
  for (const file of probe.files.flatMap((f) => (f.includes('*') ? expandFiles(dir, f) : [f]))) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, file), 'utf8').trim();
    } catch {
      continue; // an older kernel without this attribute
    }
    counters[file] = /^\d+$/.test(text) ? Number(text) : text;
  }
  return { source: 'sysfs', device: mount.device, fsType: mount.fsType, readAtUs: nowUs, counters };
}
