/**
 * The btrfs device error counters by BTRFS_IOC_GET_DEV_STATS (the plugin's fallback for kernels
 * without sysfs error_stats, before 5.14) give the same numbers as sysfs on the real kernel (root;
 * btrfs-progs): after checksum errors from a corrupted data extent, per device and in total. On
 * this kernel (sysfs has the files) the probe stays quiet, so no error is counted twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CounterRecord, MountInfo } from '../../core/plugin-api';
import { readCounters } from '../../core/sources/live-counters';
import { readMountTable } from '../../native/index';
import { btrfsCounters, totalErrors } from '../../plugins/btrfs/counters';
import { BtrfsDevStatsProbe, sysfsHasErrorStats } from '../../plugins/btrfs/dev-stats-probe';
import { btrfsPlugin } from '../../plugins/btrfs';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';

let pool: LoopFsPool;

before(() => {
  requireKernelPrereqs(['mkfs.btrfs', 'btrfs-map-logical', 'filefrag', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-btrfs-devstats-');
});

after(() => {
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

const byDevid = (r: CounterRecord) =>
  Object.fromEntries(Object.entries(r.counters).map(([k, v]) => [/(?:devinfo|ioctl)\/(\d+)\/error_stats$/.exec(k)![1], String(v)]));

test('ioctl and sysfs give the same device error counters, before and after checksum errors', async () => {
  const lf = pool.create('btrfs', { mkfsArgs: ['-d', 'single', '-m', 'dup'] });
  const mountOf = (): MountInfo => readMountTable().find((m) => m.mountPoint === lf.mountPoint)!;
  const both = async () => {
    const sysfs = readCounters(btrfsCounters, mountOf())!;
    const [ioctl] = (await new BtrfsDevStatsProbe({ always: true }).poll(mountOf())) as CounterRecord[];
    return { sysfs, ioctl: ioctl! };
  };
  const clean = await both();
  assert.deepEqual(byDevid(clean.ioctl), byDevid(clean.sysfs), 'a clean filesystem');
  assert.equal(totalErrors(clean.ioctl), 0);

  // Corrupt the file's data extent on the image (filefrag → logical, btrfs-map-logical → physical).
  const file = path.join(lf.mountPoint, 'data.bin');
  fs.writeFileSync(file, crypto.randomBytes(65536));
  sh('sync', []);
  const extent = /^\s*0:\s+\d+\.\.\s*\d+:\s+(\d+)\.\./m.exec(sh('filefrag', ['-v', file]));
  assert.ok(extent, 'filefrag gives the first extent');
  pool.umount(lf);
  const map = /mirror 1 logical \d+ physical (\d+)/.exec(sh('btrfs-map-logical', ['-l', String(Number(extent[1]) * 4096), lf.loopDev]));
  assert.ok(map, 'btrfs-map-logical gives the physical offset');
  const fd = fs.openSync(lf.image, 'r+');
  fs.writeSync(fd, Buffer.from('XXXXXXXXXXXXXXXX'), 0, 16, Number(map[1]));
  fs.closeSync(fd);
  pool.mount(lf);
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3\n');
  assert.throws(() => execFileSync('cat', [file], { stdio: 'ignore' }), 'the reader gets EIO');

  const hurt = await both();
  assert.deepEqual(byDevid(hurt.ioctl), byDevid(hurt.sysfs), 'after the checksum errors');
  assert.ok(totalErrors(hurt.ioctl)! > 0, `corruption counted: ${JSON.stringify(hurt.ioctl.counters)}`);
  assert.equal(totalErrors(hurt.ioctl), totalErrors(hurt.sysfs));
  assert.match(Object.values(hurt.ioctl.counters).join('\n'), /^corruption_errs [1-9]/m);

  // This kernel has sysfs error_stats: the plugin's own probe stays quiet (the core reads sysfs).
  assert.ok(sysfsHasErrorStats(mountOf()));
  assert.deepEqual(await btrfsPlugin.createProbe!().poll(mountOf()), []);
});
