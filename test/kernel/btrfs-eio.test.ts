/**
 * btrfs read errors from a failing disk, on the real kernel: the loop device's backing file lives
 * on slowdisk (test/helpers/slow-disk.ts, our FUSE filesystem) and returns EIO for the byte range
 * of one data extent (found with `filefrag -v` + `btrfs-map-logical`). btrfs logs the failed read
 * (`BTRFS error (device loopN): bdev /dev/loopN errs: wr 0, rd N, ...`), and the whole pipeline
 * (LiveSource → btrfs plugin → queue) turns it into btrfs ERROR events on that device whose count
 * equals the increase of the device's error_stats, with no loss. Root, /dev/fuse, btrfs-progs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FsEvent } from '../../core/model/event';
import type { BtrfsBlob } from '../../plugins/btrfs';
import { requireKernelPrereqs, sh } from '../helpers/loopfs';
import { SlowDisk } from '../helpers/slow-disk';
import { errorTotal, lostTotal, WatchHarness } from '../helpers/watch-harness';

before(() => {
  requireKernelPrereqs(['mkfs.btrfs', 'btrfs-map-logical', 'filefrag', 'losetup', 'mount', 'umount', 'fusermount3', 'pkg-config', 'cc']);
});

const disks: SlowDisk[] = [];
after(() => {
  const problems = disks.flatMap((d) => d.cleanup());
  assert.deepEqual(problems, [], 'cleanup');
});

function fails(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
    return false;
  } catch {
    return true;
  }
}

/** Counters of the device error_stats of the btrfs on `device` (write_io_errs, read_io_errs ...). */
function btrfsErrorStats(device: string): Record<string, number> {
  for (const u of fs.readdirSync('/sys/fs/btrfs')) {
    if (!fs.existsSync(`/sys/fs/btrfs/${u}/devices/${device}`)) continue;
    const out: Record<string, number> = {};
    for (const d of fs.readdirSync(`/sys/fs/btrfs/${u}/devinfo`)) {
      for (const m of fs.readFileSync(`/sys/fs/btrfs/${u}/devinfo/${d}/error_stats`, 'utf8').matchAll(/(\w+_errs) (\d+)/g)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
    }
    return out;
  }
  throw new Error(`no /sys/fs/btrfs entry for ${device}`);
}
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

test('EIO from the disk under a data extent → btrfs read-error events on that device, count = error_stats increase, no loss', async () => {
  const d = await SlowDisk.create('btrfs', { mkfsArgs: ['-d', 'single', '-m', 'dup'] });
  disks.push(d);
  const file = path.join(d.mountPoint, 'data.bin');
  fs.writeFileSync(file, crypto.randomBytes(65536));
  sh('sync', []);
  const extent = /^\s*0:\s+\d+\.\.\s*\d+:\s+(\d+)\.\.\s*(\d+):/m.exec(sh('filefrag', ['-v', file]));
  assert.ok(extent, 'filefrag gives the first extent');
  const blocks = Number(extent[2]) - Number(extent[1]) + 1;
  d.umount();
  const map = /mirror 1 logical \d+ physical (\d+)/.exec(sh('btrfs-map-logical', ['-l', String(Number(extent[1]) * 4096), d.loopDev]));
  assert.ok(map, 'btrfs-map-logical gives the physical offset');
  const physical = Number(map[1]);
  d.mount();
  const before = btrfsErrorStats(d.device);
  const h = await WatchHarness.start({ mountPoints: [d.mountPoint], settleMs: 100, config: { sources: { counters: { intervalMs: 200 } } } });
  try {
    d.fail(physical, blocks * 4096, -1);
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    assert.ok(fails('cat', [file]), 'the reader gets EIO');
    assert.ok(d.counters().failed >= 1, 'slowdisk failed reads of that range');
    const after = btrfsErrorStats(d.device);
    const increase = sum(after) - sum(before);
    assert.ok(after.read_errs! > before.read_errs!, `read_io_errs grew: ${JSON.stringify({ before, after })}`);
    const mine = () => h.eventsOf(d.device) as FsEvent<BtrfsBlob>[];
    await h.waitFor('every counted error reported', () => errorTotal(h.events, d.device) >= increase);
    await new Promise((r) => setTimeout(r, 1500)); // two equal counter readings: no shortfall may follow
    const errs = mine().filter((e) => e.kind === 'ERROR');
    assert.ok(errs.length >= 1);
    for (const e of errs) {
      assert.equal(e.fs.device, d.device);
      assert.equal(e.fs.type, 'btrfs');
      assert.equal(e.errno, 5, JSON.stringify(e));
    }
    const dev = errs.find((e) => e.blob?.messageType === 'devstats');
    assert.ok(dev, `a device-counter event: ${JSON.stringify(errs.map((e) => e.blob))}`);
    assert.equal(dev.blob!.bdev, d.loopDev);
    assert.ok((dev.blob!.readErrs ?? 0) >= 1);
    assert.equal(errorTotal(h.events, d.device), increase, 'events count exactly what error_stats counted');
    assert.equal(lostTotal(h.events, d.device), 0, JSON.stringify(mine()));
  } finally {
    d.clear();
    await h.stop();
  }
});
