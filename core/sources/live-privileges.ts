/**
 * What the live source needs from the kernel's permission checks, read before anything is opened
 * so that a missing capability is one clear line instead of an EPERM from deep inside a syscall:
 * CAP_SYS_ADMIN for fanotify filesystem marks, CAP_SYSLOG for /dev/kmsg when
 * kernel.dmesg_restrict=1, CAP_DAC_READ_SEARCH for open_by_handle_at (paths of fanotify handles).
 */
import * as fs from 'node:fs';
import { FsfaultError } from '../errors';

export const CAPS = { CAP_DAC_READ_SEARCH: 2, CAP_SYS_ADMIN: 21, CAP_SYSLOG: 34 } as const;
export type CapName = keyof typeof CAPS;

/** The effective capability set of this process (CapEff in /proc/self/status). */
export function effectiveCaps(statusText = fs.readFileSync('/proc/self/status', 'utf8')): bigint {
  const m = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(statusText);
  if (!m) throw new FsfaultError('NATIVE_SYSCALL', 'cannot read the effective capabilities: /proc/self/status has no CapEff line');
  return BigInt(`0x${m[1]}`);
}

export function hasCap(caps: bigint, name: CapName): boolean {
  return ((caps >> BigInt(CAPS[name])) & 1n) === 1n;
}

/** A kernel setting as text, or null when it cannot be read (older kernel, no procfs). */
export function readSysctl(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Can this process open /dev/kmsg for reading? The errno name when not. */
export function kmsgReadable(): true | string {
  try {
    fs.closeSync(fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

export interface PrivilegeNeeds {
  kmsg: boolean;
  fanotify: boolean;
}

/** The capabilities `watch` lacks for what it is configured to read, with why each is needed. */
export function missingPrivileges(needs: PrivilegeNeeds, caps = effectiveCaps()): string[] {
  const missing: string[] = [];
  if (needs.fanotify && !hasCap(caps, 'CAP_SYS_ADMIN')) missing.push('CAP_SYS_ADMIN (fanotify FAN_MARK_FILESYSTEM marks)');
  if (needs.kmsg) {
    const readable = kmsgReadable();
    if (readable !== true) {
      const restrict = readSysctl('/proc/sys/kernel/dmesg_restrict');
      missing.push(
        readable === 'EPERM' || readable === 'EACCES'
          ? `CAP_SYSLOG (reading /dev/kmsg with kernel.dmesg_restrict=${restrict ?? '?'})`
          : `a readable /dev/kmsg (open failed with ${readable})`,
      );
    }
  }
  return missing;
}

/** Throws PRIVILEGE_MISSING naming every missing capability, in one line. */
export function assertLivePrivileges(needs: PrivilegeNeeds): void {
  const missing = missingPrivileges(needs);
  if (missing.length === 0) return;
  throw new FsfaultError(
    'PRIVILEGE_MISSING',
    `watching the live kernel needs ${missing.join(' and ')}; run fsfault as root or grant the capability (or use --replay FILE)`,
    { details: { capability: missing.map((m) => m.split(' ')[0]) } },
  );
}
