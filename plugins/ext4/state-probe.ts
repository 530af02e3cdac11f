/**
 * The ext4 plugin's probe: is the filesystem in emergency read-only?
 *
 * Since Linux 6.12 ext4 no longer sets SB_RDONLY after an error with errors=remount-ro; it sets
 * EXT4_FLAGS_EMERGENCY_RO instead, and since 6.15 shows it as the super option `emergency_ro` in
 * /proc/self/mountinfo. The mount flags stay `rw` and statvfs has no ST_RDONLY (checked on 6.18:
 * `rw,relatime - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro`, f_flag 4096), so nothing but
 * the super options says the filesystem took no more writes. The log line "Remounting filesystem
 * read-only" says it too, but it is ratelimited (msg_ratelimit), lost with a kmsg overrun and
 * missed entirely when fsfault starts later: the flag is the death signal that survives all three.
 *
 * It reads the super options of the probed mount (by mount id) on every poll: at mount, on the
 * health timer, and `settleMs` after the log names the device. One `HealthRecord` (scope fs, sick
 * bit EMERGENCY_RO); the pipeline passes only newly set bits, so a standing flag is one event.
 * /proc/self/mountinfo is kernel memory, no disk I/O; it is read asynchronously anyway.
 */
import { readFile } from 'node:fs/promises';
import type { FsProbe, HealthRecord, MountInfo, RawRecord } from '../../core/plugin-api';

/** Sick bit of the ext4 state probe's fs-scope HealthRecord. */
export const EMERGENCY_RO = 1;

/** Super options (last field after ` - fstype source`) of mount `mountId` in mountinfo text; null when absent. */
export function superOptionsOf(mountinfo: string, mountId: number): string[] | null {
  const prefix = `${mountId} `;
  for (const line of mountinfo.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || f.length < sep + 4) return null;
    return f[sep + 3]!.split(',');
  }
  return null;
}

export class Ext4StateProbe implements FsProbe {
  constructor(
    readonly fsType: string,
    private readonly mountinfoPath = '/proc/self/mountinfo',
  ) {}

  async poll(mount: MountInfo): Promise<RawRecord[]> {
    let text: string;
    try {
      text = await readFile(this.mountinfoPath, 'utf8');
    } catch {
      return []; // no /proc: nothing to say (the log line still reports the remount)
    }
    const opts = superOptionsOf(text, mount.mountId);
    if (opts === null) return []; // unmounted meanwhile: the mount table handles that
    const r: HealthRecord = {
      source: 'ioctl',
      device: mount.device,
      fsType: mount.fsType,
      readAtUs: Date.now() * 1000,
      scope: 'fs',
      index: null,
      sick: opts.includes('emergency_ro') ? EMERGENCY_RO : 0,
      checked: EMERGENCY_RO,
      failure: null,
    };
    return [r];
  }
}
