/**
 * Records btrfs replay fixtures from the real kernel (test/fixtures/btrfs-<recipe>.jsonl). Root,
 * btrfs-progs, /dev/fuse + libfuse3 (slowdisk). Run under the kernel-test lock:
 *
 *   npx tsc -p tsconfig.json && flock /work/.kernel.lock node dist/test/tools/btrfs-record.js eio
 *
 * A fixture is the mount line (from /proc/self/mountinfo), the /dev/kmsg records about the device
 * exactly as read (btrfs lines naming it, the block layer's `I/O error, dev <dev>` lines), and the
 * device's error_stats reading at the end, every line with its read time.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { requireKernelPrereqs, sh } from '../helpers/loopfs';
import { fixturesDir } from '../helpers/paths';
import { SlowDisk } from '../helpers/slow-disk';
import { KmsgTap } from './xfs-kmsg-tap';

function btrfsConcerns(text: string, device: string): boolean {
  return (
    (text.startsWith('BTRFS') && (text.includes(`(device ${device})`) || text.includes(`(device ${device} `) || text.includes(`/dev/${device} `))) ||
    text.includes(`, dev ${device}, sector `)
  );
}

function mountLine(mountPoint: string, device: string, loopDev: string): string {
  const row = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === mountPoint);
  if (!row) throw new Error(`${mountPoint} is not mounted`);
  const [left, right] = row.split(' - ') as [string, string];
  const f = left.split(' ');
  const [fsType, , superOpts] = right.split(' ');
  const options = [...new Set([...f[5]!.split(','), ...superOpts!.split(',')])];
  const uuid = sh('blkid', ['-p', '-s', 'UUID', '-o', 'value', loopDev], { allowFail: true }).trim() || null;
  const mount = { mountId: Number(f[0]), mountPoint, device, majorMinor: f[2], fsType, fsid: null, uuid, options };
  return JSON.stringify({ source: 'mount', action: 'mounted', mount, readAtUs: Date.now() * 1000 });
}

function errorStatsLine(device: string): string {
  for (const u of fs.readdirSync('/sys/fs/btrfs')) {
    if (!fs.existsSync(`/sys/fs/btrfs/${u}/devices/${device}`)) continue;
    const counters: Record<string, string> = {};
    for (const d of fs.readdirSync(`/sys/fs/btrfs/${u}/devinfo`)) counters[`devinfo/${d}/error_stats`] = fs.readFileSync(`/sys/fs/btrfs/${u}/devinfo/${d}/error_stats`, 'utf8').trimEnd();
    return JSON.stringify({ source: 'sysfs', device, fsType: 'btrfs', counters, readAtUs: Date.now() * 1000 });
  }
  throw new Error(`no /sys/fs/btrfs entry for ${device}`);
}

const recipes: Record<string, () => Promise<void>> = {
  /** A data extent's byte range fails with EIO on the disk under the loop device (slowdisk). */
  async eio() {
    const d = await SlowDisk.create('btrfs', { mkfsArgs: ['-d', 'single', '-m', 'dup'], mount: false });
    try {
      const tap = new KmsgTap(d.device, btrfsConcerns);
      d.mount();
      const lines = [mountLine(d.mountPoint, d.device, d.loopDev)];
      const file = path.join(d.mountPoint, 'data.bin');
      fs.writeFileSync(file, randomBytes(65536));
      sh('sync', []);
      const extent = /^\s*0:\s+\d+\.\.\s*\d+:\s+(\d+)\.\.\s*(\d+):/m.exec(sh('filefrag', ['-v', file]));
      if (!extent) throw new Error('filefrag gave no extent');
      const map = /mirror 1 logical \d+ physical (\d+)/.exec(sh('btrfs-map-logical', ['-l', String(Number(extent[1]) * 4096), d.loopDev]));
      if (!map) throw new Error('btrfs-map-logical gave no physical offset');
      console.log(`ino ${fs.statSync(file).ino}: logical block ${extent[1]}, physical byte ${map[1]}`);
      lines.push(...tap.take());
      d.fail(Number(map[1]), (Number(extent[2]) - Number(extent[1]) + 1) * 4096, -1);
      fs.writeFileSync('/proc/sys/vm/drop_caches', '3\n');
      try {
        execFileSync('cat', [file], { stdio: 'ignore' });
        throw new Error('the read did not fail');
      } catch (e) {
        if ((e as Error).message === 'the read did not fail') throw e;
      }
      await new Promise((r) => setTimeout(r, 500));
      lines.push(...tap.take());
      lines.push(errorStatsLine(d.device));
      d.clear();
      const out = path.join(fixturesDir, 'btrfs-eio.jsonl');
      fs.writeFileSync(out, lines.join('\n') + '\n');
      console.log(`${out}: ${lines.length} lines`);
    } finally {
      const problems = d.cleanup();
      if (problems.length) console.error(problems.join('\n'));
    }
  },
};

async function main(): Promise<void> {
  requireKernelPrereqs(['mkfs.btrfs', 'btrfs-map-logical', 'filefrag', 'losetup', 'blkid', 'fusermount3']);
  const names = process.argv.slice(2);
  for (const n of names.length ? names : Object.keys(recipes)) {
    const r = recipes[n];
    if (!r) throw new Error(`unknown recipe ${n} (have: ${Object.keys(recipes).join(', ')})`);
    await r();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
