/**
 * Loop-mounted test filesystems on the real kernel. Every image, loop device and mount a test
 * creates is registered for cleanup; `cleanup()` (call it from `after`/`finally`) unmounts and
 * detaches everything even when the test failed, and `restoreSysctl` puts back kernel settings.
 * A missing prerequisite throws: kernel tests never skip silently.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function sh(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args, {
      input: opts.input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
    });
  } catch (e) {
    if (opts.allowFail) return '';
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

/** Throws a clear error unless we run as root with the given tools on PATH. */
export function requireKernelPrereqs(tools: string[]): void {
  if (process.getuid?.() !== 0) throw new Error('kernel tests need root (loop devices, mount, /dev/kmsg)');
  for (const t of tools) {
    const found = sh('sh', ['-c', `command -v ${t} || true`]).trim();
    if (!found) throw new Error(`kernel tests need '${t}' on PATH (install e2fsprogs/xfsprogs; .ci/run does)`);
  }
  if (!fs.existsSync('/dev/loop-control')) throw new Error('kernel tests need /dev/loop-control');
}

export interface LoopFs {
  image: string;
  loopDev: string; // /dev/loopN
  device: string; // loopN
  mountPoint: string;
  fsType: 'ext4' | 'xfs' | 'btrfs';
}

export class LoopFsPool {
  readonly dir: string;
  private readonly mounts: LoopFs[] = [];
  private readonly sysctls: { file: string; value: string }[] = [];

  constructor(prefix = 'fsfault-test-') {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  /** Make an image, attach it, optionally prepare it offline, and mount it. */
  create(fsType: 'ext4' | 'xfs' | 'btrfs', opts: { sizeMiB?: number; mkfsArgs?: string[]; mountOpts?: string; prepare?: (image: string) => void; mount?: boolean } = {}): LoopFs {
    const name = `${fsType}-${this.mounts.length}-${process.pid}`;
    const image = path.join(this.dir, `${name}.img`);
    const mountPoint = path.join(this.dir, `${name}.mnt`);
    fs.mkdirSync(mountPoint);
    try {
      fs.closeSync(fs.openSync(image, 'w'));
      fs.truncateSync(image, (opts.sizeMiB ?? (fsType === 'xfs' ? 320 : fsType === 'btrfs' ? 256 : 64)) * 1024 * 1024);
      if (fsType === 'ext4') sh('mkfs.ext4', ['-q', '-F', ...(opts.mkfsArgs ?? []), image]);
      else if (fsType === 'btrfs') sh('mkfs.btrfs', ['-q', '-f', ...(opts.mkfsArgs ?? []), image]);
      else sh('mkfs.xfs', ['-q', '-f', ...(opts.mkfsArgs ?? []), image]);
      opts.prepare?.(image);
    } catch (e) {
      // Nothing is attached yet: remove what was made so the next create() starts clean.
      fs.rmSync(image, { force: true });
      fs.rmSync(mountPoint, { recursive: true, force: true });
      throw e;
    }
    const loopDev = sh('losetup', ['--find', '--show', image]).trim();
    const lf: LoopFs = { image, loopDev, device: path.basename(loopDev), mountPoint, fsType };
    this.mounts.push(lf);
    if (opts.mount !== false) this.mount(lf, opts.mountOpts);
    return lf;
  }

  mount(lf: LoopFs, mountOpts?: string): void {
    sh('mount', [...(mountOpts ? ['-o', mountOpts] : []), lf.loopDev, lf.mountPoint]);
  }

  umount(lf: LoopFs): void {
    sh('umount', [lf.mountPoint]);
  }

  isMounted(lf: LoopFs): boolean {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === lf.mountPoint);
  }

  /**
   * Write a kernel setting and remember its old value for cleanup(). Written with one trailing
   * newline: some files (printk_devkmsg) reject the value without it.
   */
  setSysctl(file: string, value: string): void {
    const old = fs.readFileSync(file, 'utf8').trim();
    this.sysctls.push({ file, value: old });
    fs.writeFileSync(file, `${value.trim()}\n`);
  }

  private restoreSysctls(problems: string[]): void {
    for (const s of this.sysctls.reverse()) {
      try {
        fs.writeFileSync(s.file, `${s.value}\n`);
      } catch (e) {
        problems.push(`could not restore ${s.file}: ${(e as Error).message}`);
      }
    }
    this.sysctls.length = 0;
  }

  /** Unmount, detach and delete everything; restore settings. Never throws; returns problems. */
  cleanup(): string[] {
    const problems: string[] = [];
    // Settings first: per-filesystem ones (/sys/fs/ext4/<dev>/...) vanish with the unmount.
    this.restoreSysctls(problems);
    for (const lf of this.mounts.reverse()) {
      for (let i = 0; i < 5 && this.isMounted(lf); i++) {
        sh('umount', [i < 3 ? lf.mountPoint : '-l', ...(i < 3 ? [] : [lf.mountPoint])], { allowFail: true });
      }
      if (this.isMounted(lf)) problems.push(`still mounted: ${lf.mountPoint}`);
      const attached = sh('losetup', ['-j', lf.image], { allowFail: true }).split('\n').filter(Boolean);
      for (const line of attached) {
        const dev = line.split(':')[0]!;
        sh('losetup', ['-d', dev], { allowFail: true });
      }
    }
    this.mounts.length = 0;
    try {
      fs.rmSync(this.dir, { recursive: true, force: true });
    } catch (e) {
      // A damaged filesystem image can fail the removal (ENOMEM reading it): report, never throw.
      problems.push(`could not remove ${this.dir}: ${(e as Error).message}`);
    }
    return problems;
  }
}
