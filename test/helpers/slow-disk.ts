/**
 * A slow or failing disk for kernel tests: a loop device backed by a file on slowdisk, a tiny FUSE
 * filesystem of our own (slowdisk/slowdisk.c, libfuse3, compiled on first use) that delays or
 * fails reads of chosen byte ranges. The kernel sees real block-layer I/O: a delayed range makes
 * every read of those blocks take seconds, an EIO range gives real I/O errors (buffer_head
 * failures, "I/O error, dev loopN"). This kernel has no device-mapper, null_blk or NBD.
 *
 *   const d = SlowDisk.create('ext4', { sizeMiB: 64 });   // mkfs, attach, mount
 *   d.delay(byteOffset, length, 5000);                     // reads there now take 5 s
 *   d.fail(byteOffset, length, 1);                         // the next read there fails with EIO
 *   d.clear(); d.counters();                               // { reads, delayed, failed }
 *   d.cleanup();                                           // always (finally): never throws
 *
 * Offsets are bytes of the image (= of the loop device). Needs root, /dev/fuse, fusermount3 and a C
 * compiler with libfuse3-dev (Debian fuse3, libfuse3-dev, pkg-config: .ci/apt-packages.txt).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './paths';
import { sh } from './loopfs';

const SOURCE = path.join(repoRoot, 'test', 'helpers', 'slowdisk', 'slowdisk.c');

/** Compile slowdisk.c once per source version; returns the binary. */
export function slowdiskBinary(): string {
  const src = fs.readFileSync(SOURCE);
  const bin = path.join(os.tmpdir(), `fsfault-slowdisk-${crypto.createHash('sha256').update(src).digest('hex').slice(0, 12)}`);
  if (fs.existsSync(bin)) return bin;
  if (!fs.existsSync('/dev/fuse')) throw new Error('slow-disk tests need /dev/fuse (the fuse kernel module)');
  const flags = sh('pkg-config', ['--cflags', '--libs', 'fuse3']).trim().split(/\s+/);
  const tmp = `${bin}.${process.pid}`;
  sh('cc', ['-O2', '-Wall', '-Wextra', '-Werror', SOURCE, ...flags, '-o', tmp]);
  fs.renameSync(tmp, bin);
  return bin;
}

export interface SlowDiskCounters {
  reads: number;
  delayed: number;
  failed: number;
}

export class SlowDisk {
  private constructor(
    readonly dir: string,
    /** The real image file (on the host filesystem). */
    readonly image: string,
    /** The FUSE file the loop device reads through. */
    readonly fuseFile: string,
    readonly fuseDir: string,
    readonly loopDev: string,
    readonly device: string,
    readonly mountPoint: string,
    readonly fsType: 'ext4' | 'xfs' | 'btrfs',
    private readonly daemon: ChildProcess,
  ) {}

  /** mkfs an image, serve it through slowdisk, attach a loop device to it and mount it (unless mount: false). */
  static async create(fsType: 'ext4' | 'xfs' | 'btrfs', opts: { sizeMiB?: number; mkfsArgs?: string[]; mountOpts?: string; prepare?: (image: string) => void; mount?: boolean } = {}): Promise<SlowDisk> {
    const bin = slowdiskBinary();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-slowdisk-'));
    const image = path.join(dir, 'backing.img');
    const fuseDir = path.join(dir, 'fuse');
    const mountPoint = path.join(dir, 'mnt');
    fs.mkdirSync(fuseDir);
    fs.mkdirSync(mountPoint);
    fs.closeSync(fs.openSync(image, 'w'));
    fs.truncateSync(image, (opts.sizeMiB ?? (fsType === 'xfs' ? 320 : fsType === 'btrfs' ? 256 : 64)) * 1024 * 1024);
    if (fsType === 'ext4') sh('mkfs.ext4', ['-q', '-F', ...(opts.mkfsArgs ?? []), image]);
    else if (fsType === 'btrfs') sh('mkfs.btrfs', ['-q', '-f', ...(opts.mkfsArgs ?? []), image]);
    else sh('mkfs.xfs', ['-q', '-f', ...(opts.mkfsArgs ?? []), image]);
    opts.prepare?.(image);
    const daemon = spawn(bin, [image, fuseDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    daemon.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const fuseFile = path.join(fuseDir, 'disk.img');
    const deadline = Date.now() + 10_000;
    while (!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${fuseDir} `)) {
      if (daemon.exitCode !== null || Date.now() > deadline) {
        daemon.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`slowdisk did not mount ${fuseDir} (exit ${daemon.exitCode}): ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    let loopDev = '';
    try {
      loopDev = sh('losetup', ['--find', '--show', fuseFile]).trim();
    } catch (e) {
      sh('fusermount3', ['-u', fuseDir], { allowFail: true });
      daemon.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const d = new SlowDisk(dir, image, fuseFile, fuseDir, loopDev, path.basename(loopDev), mountPoint, fsType, daemon);
    if (opts.mount !== false) d.mount(opts.mountOpts);
    return d;
  }

  mount(mountOpts?: string): void {
    sh('mount', [...(mountOpts ? ['-o', mountOpts] : []), this.loopDev, this.mountPoint]);
  }

  umount(): void {
    sh('umount', [this.mountPoint]);
  }

  /** Reads overlapping [start, start + length) sleep `ms` first (until clear()). */
  delay(start: number, length: number, ms: number): void {
    this.control(`delay ${start} ${length} ${ms}`);
  }

  /** The next `count` reads overlapping the range fail with EIO (-1: every one, until clear()). */
  fail(start: number, length: number, count = -1): void {
    this.control(`eio ${start} ${length} ${count}`);
  }

  clear(): void {
    this.control('clear');
  }

  counters(): SlowDiskCounters {
    const m = /reads (\d+) delayed (\d+) failed (\d+)/.exec(fs.readFileSync(path.join(this.fuseDir, 'control'), 'utf8'));
    if (!m) throw new Error('slowdisk control file unreadable');
    return { reads: Number(m[1]), delayed: Number(m[2]), failed: Number(m[3]) };
  }

  private control(line: string): void {
    fs.writeFileSync(path.join(this.fuseDir, 'control'), line);
  }

  /** Unmount, detach, stop the daemon, delete: rules are cleared first so nothing waits. Never throws. */
  cleanup(): string[] {
    const problems: string[] = [];
    try {
      this.clear();
    } catch (e) {
      problems.push(`slowdisk clear: ${(e as Error).message}`);
    }
    const mounted = (p: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === p);
    for (let i = 0; i < 5 && mounted(this.mountPoint); i++) sh('umount', i < 3 ? [this.mountPoint] : ['-l', this.mountPoint], { allowFail: true });
    if (mounted(this.mountPoint)) problems.push(`still mounted: ${this.mountPoint}`);
    sh('losetup', ['-d', this.loopDev], { allowFail: true });
    for (let i = 0; i < 3 && mounted(this.fuseDir); i++) sh('fusermount3', ['-u', ...(i > 0 ? ['-z'] : []), this.fuseDir], { allowFail: true });
    if (mounted(this.fuseDir)) problems.push(`slowdisk still mounted: ${this.fuseDir}`);
    this.daemon.kill('SIGKILL');
    try {
      fs.rmSync(this.dir, { recursive: true, force: true });
    } catch (e) {
      problems.push(`could not remove ${this.dir}: ${(e as Error).message}`);
    }
    return problems;
  }
}
