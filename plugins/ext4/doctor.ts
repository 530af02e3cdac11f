/**
 * What `fsfault doctor` checks for ext4 (plugin API `doctorChecks`): the error-message ratelimit
 * of the first watched ext4. With err_ratelimit_burst 0 (and an interval) ext4 prints no error
 * line at all; fsfault still counts the errors through fanotify and errors_count, but loses the
 * detail the lines carry.
 */
import * as fs from 'node:fs';
import type { DoctorCheck, MountInfo } from '../../core/plugin-api';

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

export function doctorChecks(mount: Readonly<MountInfo>, sysfs = '/sys/fs/ext4'): DoctorCheck[] {
  const dir = `${sysfs}/${mount.device}`;
  const interval = read(`${dir}/err_ratelimit_interval_ms`);
  const burst = read(`${dir}/err_ratelimit_burst`);
  const quiet = burst === '0' && interval !== '0';
  return [
    {
      name: 'ratelimit',
      status: quiet ? 'warn' : 'ok',
      detail:
        `${mount.device}: err_ratelimit_burst=${burst} err_ratelimit_interval_ms=${interval} (jiffies despite the name)` +
        (quiet ? ': burst 0 prints no error line at all; fsfault still counts them through fanotify and errors_count' : ': log lines are limited, fanotify and errors_count are not'),
    },
  ];
}
