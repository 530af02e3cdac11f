/**
 * CPU seconds (user + system) a process or one of its threads has used so far, from
 * /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat (fields 14 and 15, in clock ticks). Shared by the
 * benches that report CPU rather than wall time (less sensitive to the other load of a shared machine).
 */
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export function cpuOfPid(pid: number, tid?: number): number {
  const stat = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the command name may hold spaces
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15, counted from field 3
}
