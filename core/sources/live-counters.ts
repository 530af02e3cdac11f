/**
 * Reads a filesystem's error counters from sysfs as its plugin's CounterProbe describes them
 * (ext4: /sys/fs/ext4/<dev>/errors_count, first_error_*, last_error_*). Whole numbers become
 * numbers, anything else stays a trimmed string; a file that is missing is left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CounterRecord } from '../model/raw-record';
import type { CounterProbe } from '../plugin-api';

/** One reading, or null when the counter directory does not exist (not mounted any more). */
export function readCounters(probe: CounterProbe, device: string, fsType: string, nowUs = Date.now() * 1000): CounterRecord | null {
  const dir = probe.sysfsDir(device);
  if (!fs.existsSync(dir)) return null;
  const counters: Record<string, number | string> = {};
  for (const file of probe.files) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, file), 'utf8').trim();
    } catch {
      continue; // an older kernel without this attribute
    }
    counters[file] = /^\d+$/.test(text) ? Number(text) : text;
  }
  return { source: 'sysfs', device, fsType, readAtUs: nowUs, counters };
}
