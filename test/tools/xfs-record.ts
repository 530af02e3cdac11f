/**
 * Records the XFS replay fixtures (test/fixtures/xfs-<recipe>.jsonl) from the real kernel, following
 * the recipes of kernel-error-sources.md 9.2. Needs root, xfsprogs, python3.
 *
 *   npx tsc -p tsconfig.json && node dist/test/tools/xfs-record.js [recipe ...]
 *
 * Each fixture starts with the mount line, then the kernel records in the order they happened, with
 * the health probes (test/tools/xfs-health.py) placed where they ran: a probe that re-reads a bad
 * buffer logs the verifier failure again, and the fixture must show that too.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { fixturesDir, repoRoot } from '../helpers/paths';
import { KmsgTap } from './xfs-kmsg-tap';

const HEALTH_TOOL = path.join(repoRoot, 'test', 'tools', 'xfs-health.py');
const STATFS_FSID = [
  'import ctypes,sys',
  'b=ctypes.create_string_buffer(120)',
  'assert ctypes.CDLL(None).statfs(sys.argv[1].encode(),b)==0',
  'v=ctypes.c_uint32*2',
  'a=v.from_buffer_copy(b.raw[56:64])',
  "print('%08x%08x'%(a[0],a[1]))",
].join('\n');

/** One recording in progress: the lines of the fixture, in order. */
class Recording {
  readonly lines: string[] = [];
  readonly tap: KmsgTap;

  constructor(readonly lf: LoopFs) {
    this.tap = new KmsgTap(lf.device);
  }

  mountLine(): void {
    const row = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === this.lf.mountPoint);
    if (!row) throw new Error(`${this.lf.mountPoint} is not mounted`);
    const [left, right] = row.split(' - ') as [string, string];
    const f = left.split(' ');
    const [fsType, , superOpts] = right.split(' ');
    const options = [...new Set([...f[5]!.split(','), ...superOpts!.split(',')])];
    const mount = {
      mountId: Number(f[0]),
      mountPoint: this.lf.mountPoint,
      device: this.lf.device,
      majorMinor: f[2],
      fsType,
      fsid: sh('python3', ['-c', STATFS_FSID, this.lf.mountPoint]).trim(),
      uuid: sh('blkid', ['-p', '-s', 'UUID', '-o', 'value', this.lf.loopDev], { allowFail: true }).trim() || null,
      options,
    };
    this.lines.push(JSON.stringify({ source: 'mount', action: 'mounted', mount, readAtUs: Date.now() * 1000 }));
  }

  kmsg(): void {
    this.lines.push(...this.tap.take());
  }

  /** Probe health now; kernel records the probe itself caused are taken right after it. */
  health(inodes: number[] = []): void {
    this.kmsg();
    const out = sh('python3', [HEALTH_TOOL, this.lf.mountPoint, this.lf.device, ...inodes.map(String)]);
    this.lines.push(...out.split('\n').filter(Boolean));
    this.kmsg();
  }

  write(name: string): void {
    this.kmsg();
    const file = path.join(fixturesDir, `xfs-${name}.jsonl`);
    fs.writeFileSync(file, this.lines.join('\n') + '\n');
    console.log(`${file}: ${this.lines.length} lines`);
  }
}

function ino(p: string): number {
  return fs.statSync(p).ino;
}

/** AG of an inode number: ino >> (agblklog + inopblog), read from the superblock. */
function agOfInode(loopDev: string, inode: number): number {
  const out = sh('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p agblklog inopblog', loopDev]);
  const agblklog = Number(/agblklog = (\d+)/.exec(out)![1]);
  const inopblog = Number(/inopblog = (\d+)/.exec(out)![1]);
  return Math.floor(inode / 2 ** (agblklog + inopblog));
}

function freshXfs(pool: LoopFsPool): LoopFs {
  return pool.create('xfs', { sizeMiB: 512, mount: false });
}

const recipes: Record<string, (pool: LoopFsPool) => void> = {
  /** X-A: xfs_io -x -c shutdown (GOINGDOWN NOLOGFLUSH, flags 0x6), then touch and a health probe. */
  shutdown(pool) {
    const lf = freshXfs(pool);
    const rec = new Recording(lf);
    pool.mount(lf);
    rec.mountLine();
    fs.writeFileSync(path.join(lf.mountPoint, 'before'), 'x');
    rec.health();
    sh('xfs_io', ['-x', '-c', 'shutdown', lf.mountPoint]);
    sh('touch', [path.join(lf.mountPoint, 'zz')], { allowFail: true });
    rec.health();
    pool.umount(lf);
    rec.write('shutdown');
  },

  /** X-B/X-C: a dinode with a bad mode in one AG, an inode cluster with a bad magic in another. */
  inode(pool) {
    const lf = freshXfs(pool);
    pool.mount(lf);
    for (const d of ['d1', 'd2', 'd3', 'd4']) {
      fs.mkdirSync(path.join(lf.mountPoint, d));
      for (const f of ['f1', 'f2', 'f3']) fs.writeFileSync(path.join(lf.mountPoint, d, f), `${d}/${f}\n`);
    }
    const files = ['d1', 'd2', 'd3', 'd4'].flatMap((d) => ['f1', 'f2', 'f3'].map((f) => `${d}/${f}`));
    const where = files.map((f) => ({ f, ino: ino(path.join(lf.mountPoint, f)) }));
    pool.umount(lf);
    const withAg = where.map((w) => ({ ...w, ag: agOfInode(lf.loopDev, w.ino) }));
    const badMode = withAg.find((w) => w.ag === 1);
    const badMagic = withAg.find((w) => w.ag === 2);
    if (!badMode || !badMagic) throw new Error(`need files in AG1 and AG2, got ${JSON.stringify(withAg)}`);
    console.log(`bad mode: ${badMode.f} ino ${badMode.ino} (AG1); bad magic: ${badMagic.f} ino ${badMagic.ino} (AG2)`);
    sh('xfs_db', ['-x', '-c', `inode ${badMode.ino}`, '-c', 'write core.mode 0170644', lf.loopDev]);
    sh('xfs_db', ['-x', '-c', `inode ${badMagic.ino}`, '-c', 'write -d core.magic 0', lf.loopDev]);
    const rec = new Recording(lf);
    pool.mount(lf);
    rec.mountLine();
    rec.health();
    sh('stat', [path.join(lf.mountPoint, badMode.f)], { allowFail: true });
    sh('stat', [path.join(lf.mountPoint, badMagic.f)], { allowFail: true });
    rec.health([badMode.ino, badMagic.ino]);
    pool.umount(lf);
    rec.write('inode');
  },

  /** X-D: a directory data block with a bad magic, read again and again by ls and find. */
  dirblock(pool) {
    const lf = freshXfs(pool);
    pool.mount(lf);
    const dir = path.join(lf.mountPoint, 'big');
    fs.mkdirSync(dir);
    // enough long names for a leaf-format directory (several data blocks), as in the doc's recipe
    for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(dir, `entry-with-a-long-name-${String(i).padStart(4, '0')}`), '');
    const dirIno = ino(dir);
    pool.umount(lf);
    sh('xfs_db', ['-x', '-c', 'path /big', '-c', 'dblock 0', '-c', 'write -d dhdr.hdr.magic 0', lf.loopDev]);
    const rec = new Recording(lf);
    pool.mount(lf);
    rec.mountLine();
    sh('ls', [dir], { allowFail: true });
    rec.health([dirIno]);
    for (let i = 0; i < 3; i++) {
      sh('ls', [dir], { allowFail: true });
      sh('find', [dir], { allowFail: true });
    }
    rec.health([dirIno]);
    pool.umount(lf);
    rec.write('dirblock');
  },

  /** X-E: shrink the loop device under the mounted fs; writeback and reads beyond the end fail. */
  eio(pool) {
    const lf = freshXfs(pool);
    const rec = new Recording(lf);
    pool.mount(lf);
    rec.mountLine();
    for (const d of ['a', 'b', 'c', 'e']) {
      fs.mkdirSync(path.join(lf.mountPoint, d));
      for (const f of ['f1', 'f2', 'f3']) fs.writeFileSync(path.join(lf.mountPoint, d, f), randomBytes(20000));
    }
    sh('sync', []);
    fs.truncateSync(lf.image, 300 * 1024 * 1024);
    sh('losetup', ['-c', lf.loopDev]);
    sh('chmod', ['600', path.join(lf.mountPoint, 'c/f1'), path.join(lf.mountPoint, 'e/f1')]);
    sh('sync', []);
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    sh('cat', [path.join(lf.mountPoint, 'e/f2')], { allowFail: true });
    sh('ls', ['-l', path.join(lf.mountPoint, 'c'), path.join(lf.mountPoint, 'e')], { allowFail: true });
    rec.health();
    pool.umount(lf);
    rec.write('eio');
  },
};

function main(): void {
  requireKernelPrereqs(['mkfs.xfs', 'xfs_db', 'xfs_io', 'losetup', 'blkid', 'python3']);
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(recipes);
  for (const name of names) {
    const recipe = recipes[name];
    if (!recipe) throw new Error(`unknown recipe '${name}'; known: ${Object.keys(recipes).join(', ')}`);
    const pool = new LoopFsPool(`fsfault-xfs-${name}-`);
    try {
      recipe(pool);
    } finally {
      const problems = pool.cleanup();
      if (problems.length) console.error(`cleanup problems: ${problems.join('; ')}`);
    }
  }
}

main();
