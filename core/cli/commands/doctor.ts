/**
 * `fsfault doctor [--json]`: what the live watcher can see on this machine, and why not when it
 * cannot. It probes instead of guessing where it can: a FAN_FS_ERROR mark on a mounted filesystem
 * of each watched type, an open of /dev/kmsg, the effective capabilities. It also reads the local
 * store (read-only, without the writer's lock, so beside a running watch) for what a run recorded
 * about this machine: the kernel-log records user processes wrote and fsfault rejected. Exit 0 when
 * at least one mounted filesystem is watchable and the kernel log or fanotify is readable, 1
 * otherwise (the store's lines never change the exit status).
 */
import * as os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load';
import type { Config } from '../../config/schema';
import { isFsfaultError } from '../../errors';
import { KMSG_REJECTED_CURSOR } from '../../pipeline/pipeline-stats';
import type { LocalStore } from '../../store/local-store';
import { SqliteStore } from '../../store/sqlite-store';
import type { MountInfo } from '../../model/raw-record';
import { resolvePlugins } from '../../container';
import { createWatcher, readMountTable } from '../../../native/index';
import { fanotifyReportsErrors, sinceOf } from '../../sources/live-fanotify-support';
import { CAPS, effectiveCaps, hasCap, kmsgReadable, readSysctl, type CapName } from '../../sources/live-privileges';
import type { CliIo } from '../io';

type Status = 'ok' | 'warn' | 'fail';

interface Check {
  name: string;
  status: Status;
  detail: string;
}

interface FsReport {
  mountPoint: string;
  device: string;
  fsType: string;
  watchable: boolean;
  mode: string;
  why: string;
}

export interface DoctorReport {
  kernel: string;
  checks: Check[];
  filesystems: FsReport[];
  watchable: boolean;
}

const CAP_WHY: Record<CapName, string> = {
  CAP_SYS_ADMIN: 'fanotify FAN_MARK_FILESYSTEM marks',
  CAP_SYSLOG: 'reading /dev/kmsg when kernel.dmesg_restrict=1',
  CAP_DAC_READ_SEARCH: 'open_by_handle_at: paths of fanotify file handles',
};

/** Try a real FAN_FS_ERROR mark on one mount: the only proof that this kernel accepts it. */
function tryMark(mountPoint: string): true | string {
  let w;
  try {
    w = createWatcher({ fanotify: true }, () => undefined);
  } catch (e) {
    return `fanotify_init(FAN_CLASS_NOTIF|FAN_REPORT_FID) failed: ${(e as Error).message}`;
  }
  try {
    w.markFilesystem(mountPoint);
    return true;
  } catch (e) {
    return (e as Error).message;
  } finally {
    void w.stop();
  }
}

/** Opens the store read-only (never the writer's lock); injected by tests. */
export type OpenStoreReadOnly = (where: { stateDir: string; host: string }) => LocalStore;

const openReadOnly: OpenStoreReadOnly = ({ stateDir, host }) => SqliteStore.open({ stateDir, host, readOnly: true });

/**
 * What the store says about this machine: where it is, and how many kernel-log records written by
 * user processes (facility != 0: someone forging kernel messages, or a tool logging to /dev/kmsg)
 * the live source rejected over the store's life (the source cursor the pipeline keeps).
 */
export function storeChecks(config: Config, open: OpenStoreReadOnly = openReadOnly): Check[] {
  if (!config.store.enabled) return [{ name: 'store', status: 'ok', detail: 'store.enabled is off: no store to read (rejected kernel-log records: see /metrics)' }];
  let store: LocalStore;
  try {
    store = open({ stateDir: config.stateDir, host: config.host });
  } catch (e) {
    const why = isFsfaultError(e) ? `[${e.code}] ${e.message}` : (e as Error).message;
    return [{ name: 'store', status: 'warn', detail: `not readable (${why}); nothing recorded by earlier runs is shown` }];
  }
  try {
    const info = store.info();
    const rejected = Number(info.sourceCursors[KMSG_REJECTED_CURSOR] ?? 0);
    return [
      { name: 'store', status: 'ok', detail: `${info.file ?? '(memory)'}: ${info.rows} events, head offset ${info.headOffset} (read-only)` },
      {
        name: 'kmsg rejected',
        status: rejected > 0 ? 'warn' : 'ok',
        detail:
          rejected > 0
            ? `${rejected} records written to /dev/kmsg by user processes (facility != 0) were rejected over the store's life: someone forged kernel messages, or a tool logs to the kernel log`
            : 'no record written to /dev/kmsg by a user process was rejected (facility != 0 is never taken for a kernel error)',
      },
    ];
  } finally {
    store.close();
  }
}

export function doctor(config = loadConfig(undefined, process.env), open: OpenStoreReadOnly = openReadOnly): DoctorReport {
  const plugins = resolvePlugins(config);
  const claimed = new Map(plugins.flatMap((p) => p.meta.fsTypes.map((t) => [t, p] as const)));
  const types = new Set(config.sources.fsTypes ?? claimed.keys());
  const checks: Check[] = [];
  const release = os.release();
  checks.push({ name: 'kernel', status: 'ok', detail: `Linux ${release}` });

  const caps = effectiveCaps();
  for (const name of Object.keys(CAPS) as CapName[]) {
    const has = hasCap(caps, name);
    const needed = name === 'CAP_SYS_ADMIN' ? config.sources.fanotify : name === 'CAP_SYSLOG' ? config.sources.kmsg : config.sources.fanotify;
    // Paths of handles are a nicety: without CAP_DAC_READ_SEARCH events still come, path null.
    checks.push({ name, status: has ? 'ok' : needed && name !== 'CAP_DAC_READ_SEARCH' ? 'fail' : 'warn', detail: `${has ? 'present' : 'missing'}: needed for ${CAP_WHY[name]}` });
  }
  const restrict = readSysctl('/proc/sys/kernel/dmesg_restrict');
  checks.push({ name: 'dmesg_restrict', status: 'ok', detail: `kernel.dmesg_restrict=${restrict ?? 'unreadable'}${restrict === '1' ? ' (reading /dev/kmsg needs CAP_SYSLOG)' : ''}` });
  const kmsg = kmsgReadable();
  checks.push({ name: '/dev/kmsg', status: kmsg === true ? 'ok' : config.sources.kmsg ? 'fail' : 'warn', detail: kmsg === true ? 'readable' : `cannot be opened: ${kmsg}` });
  const devkmsg = readSysctl('/proc/sys/kernel/printk_devkmsg');
  checks.push({
    name: 'printk_devkmsg',
    status: 'ok',
    detail: `kernel.printk_devkmsg=${devkmsg ?? 'unreadable'} (how much user processes may write to /dev/kmsg; fsfault ignores what they write)`,
  });

  const mounts: MountInfo[] = readMountTable();
  const seen = new Set<string>();
  const filesystems: FsReport[] = [];
  const markResult = new Map<string, true | string>();
  for (const m of mounts) {
    if (seen.has(m.majorMinor)) continue; // bind mounts: one filesystem
    const plugin = claimed.get(m.fsType);
    if (!plugin) continue;
    seen.add(m.majorMinor);
    const base = { mountPoint: m.mountPoint, device: m.device, fsType: m.fsType };
    if (!types.has(m.fsType) || (config.sources.mountPoints && !config.sources.mountPoints.includes(m.mountPoint))) {
      filesystems.push({ ...base, watchable: false, mode: 'excluded', why: 'excluded by sources.fsTypes / sources.mountPoints' });
      continue;
    }
    const reports = fanotifyReportsErrors(plugin.meta, release);
    // How the plugin says its filesystem is seen without fanotify (log+ioctl, log+counters ...).
    const described = plugin.watchMode?.(m) ?? (plugin.counters ? { mode: 'log+counters', detail: 'kernel log and error counters' } : { mode: 'log', detail: 'kernel log' });
    const logOnly = described.mode;
    if (!config.sources.fanotify || !reports) {
      const since = sinceOf(plugin.meta);
      const why = !config.sources.fanotify
        ? 'sources.fanotify is off'
        : `${m.fsType} sends no FAN_FS_ERROR on this kernel${since ? ` (only from Linux ${since[0]}.${since[1]})` : ''}`;
      filesystems.push({ ...base, watchable: kmsg === true, mode: logOnly, why: kmsg === true ? `${why}: ${described.detail}` : `${why}, and /dev/kmsg is not readable` });
      continue;
    }
    if (!markResult.has(m.majorMinor)) markResult.set(m.majorMinor, hasCap(caps, 'CAP_SYS_ADMIN') ? tryMark(m.mountPoint) : 'no CAP_SYS_ADMIN');
    const mark = markResult.get(m.majorMinor)!;
    if (mark === true) {
      filesystems.push({ ...base, watchable: true, mode: `fanotify+${logOnly}`, why: `FAN_FS_ERROR mark accepted (${plugin.counters ? 'error counters reconciled' : 'no counters'})` });
    } else {
      filesystems.push({ ...base, watchable: kmsg === true, mode: logOnly, why: `FAN_FS_ERROR mark failed (${mark})${kmsg === true ? ': kernel log only' : ''}` });
    }
  }
  // Each plugin's own checks (a ratelimit that hides its log lines ...), on its first watchable mount.
  for (const plugin of plugins) {
    if (!plugin.doctorChecks) continue;
    const f = filesystems.find((x) => x.watchable && claimed.get(x.fsType) === plugin);
    const m = f && mounts.find((x) => x.mountPoint === f.mountPoint);
    if (!m) continue;
    try {
      for (const c of plugin.doctorChecks(m)) checks.push({ name: `${plugin.meta.name} ${c.name}`, status: c.status, detail: c.detail });
    } catch (e) {
      checks.push({ name: `${plugin.meta.name} checks`, status: 'warn', detail: `the plugin's doctor checks failed: ${(e as Error).message}` });
    }
  }
  const fanotifyFs = filesystems.some((f) => f.mode.startsWith('fanotify'));
  checks.push({
    name: 'FAN_FS_ERROR',
    status: fanotifyFs ? 'ok' : 'warn',
    detail: fanotifyFs ? 'fanotify reports filesystem errors on this kernel (mark accepted)' : 'no mounted filesystem could be marked for FAN_FS_ERROR (see filesystems)',
  });
  if (filesystems.length === 0) checks.push({ name: 'filesystems', status: 'fail', detail: `no mounted filesystem of a watched type (${[...types].join(', ')})` });
  const watchable = !checks.some((c) => c.status === 'fail') && filesystems.some((f) => f.watchable);
  checks.push(...storeChecks(config, open));
  return { kernel: release, checks, filesystems, watchable };
}

function render(r: DoctorReport): string {
  const mark: Record<Status, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };
  const lines = r.checks.map((c) => `${mark[c.status]}  ${c.name}: ${c.detail}`);
  lines.push('', 'filesystems:');
  if (r.filesystems.length === 0) lines.push('  (none of a watched type is mounted)');
  for (const f of r.filesystems) lines.push(`  ${f.watchable ? 'watchable    ' : 'not watchable'}  ${f.fsType} ${f.device} on ${f.mountPoint}: ${f.mode}; ${f.why}`);
  lines.push('', r.watchable ? 'fsfault watch can run here.' : 'fsfault watch cannot watch anything here (see FAIL above).');
  return lines.join('\n') + '\n';
}

export function register(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('check what this machine lets fsfault watch (kernel, capabilities, fanotify, /dev/kmsg, filesystems)')
    .option('--json', 'print the report as JSON')
    .option('--config <file>', 'configuration file (sources.* decide what is watched)')
    .option('--state-dir <dir>', 'the store to read (read-only) for what earlier runs recorded (default: stateDir from the configuration)')
    .option('--host <name>', "whose store to read (default: this machine's host name)")
    .action((opts: { json?: boolean; config?: string; stateDir?: string; host?: string }) => {
      const config = loadConfig(opts.config, io.env);
      const r = doctor({ ...config, stateDir: opts.stateDir ?? config.stateDir, host: opts.host ?? config.host });
      io.out.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : render(r));
      process.exitCode = r.watchable ? 0 : 1;
    });
}
