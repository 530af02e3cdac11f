/**
 * XFS through the real LiveSource (test/helpers/watch-harness.ts) with XfsHealthProbe: the source
 * finds the mount, attaches the probe's geometry, polls the probe at mount and shortly after the
 * log names the device, and sees the unmount and the remount itself. Root; xfsprogs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FsEvent } from '../../core/model/event';
import { XfsHealthProbe } from '../../plugins/xfs/probe/health-probe';
import type { XfsBlob } from '../../plugins/xfs';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';
import { WatchHarness } from '../helpers/watch-harness';

let pool: LoopFsPool;

before(() => {
  requireKernelPrereqs(['mkfs.xfs', 'xfs_db', 'xfs_io', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-xfs-watch-');
});

after(() => {
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

function fails(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    return false;
  } catch {
    return true;
  }
}

function agOfInode(loopDev: string, ino: number): number {
  const out = sh('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p agblklog inopblog', loopDev]);
  return Math.floor(ino / 2 ** (Number(/agblklog = (\d+)/.exec(out)![1]) + Number(/inopblog = (\d+)/.exec(out)![1])));
}

test('live source + probe: inode cluster damage → inode events in the right AG with AG INODES; shutdown → one DIED; remount → ERROR again', async () => {
  const lf = pool.create('xfs');
  const files: { file: string; ino: number }[] = [];
  for (const d of ['d1', 'd2', 'd3', 'd4']) {
    fs.mkdirSync(path.join(lf.mountPoint, d));
    for (const f of ['f1', 'f2']) {
      fs.writeFileSync(path.join(lf.mountPoint, d, f), 'x');
      files.push({ file: path.join(d, f), ino: fs.statSync(path.join(lf.mountPoint, d, f)).ino });
    }
  }
  pool.umount(lf);
  const outside = files.map((f) => ({ ...f, ag: agOfInode(lf.loopDev, f.ino) })).filter((f) => f.ag >= 1);
  const cluster = outside[0]!;
  const dinode = outside.find((f) => f.ag !== cluster.ag);
  assert.ok(cluster && dinode, `files in two AGs other than AG0: ${JSON.stringify(outside)}`);
  sh('xfs_db', ['-x', '-c', `inode ${cluster.ino}`, '-c', 'write -d core.magic 0', lf.loopDev]);
  sh('xfs_db', ['-x', '-c', `inode ${dinode.ino}`, '-c', 'write core.mode 0170644', lf.loopDev]);
  pool.mount(lf);

  const h = await WatchHarness.start({ mountPoints: [lf.mountPoint], probes: [new XfsHealthProbe()], settleMs: 100 });
  try {
    const mine = () => h.eventsOf(lf.device) as FsEvent<XfsBlob>[];
    await h.source.flushed(); // the geometry ioctl runs off the JS thread
    assert.equal(h.source.watched()[0]?.mount.geometry?.blocksize, 4096, 'the probe attached the geometry');
    assert.ok(fails('stat', [path.join(lf.mountPoint, cluster.file)]));
    await h.waitFor('AG INODES from the probe poll after the error', () => mine().some((e) => e.blob!.agno === cluster.ag && e.blob!.agSick.includes('inodes')));
    const inodeEvents = mine().filter((e) => e.blob!.metadataType === 'inode');
    assert.ok(inodeEvents.length >= 1 && inodeEvents.every((e) => e.errno === 117 && e.blob!.agno === cluster.ag && e.kind === 'ERROR'), JSON.stringify(mine()));

    sh('xfs_io', ['-x', '-c', 'shutdown', lf.mountPoint]);
    await h.waitFor('DIED', () => mine().some((e) => e.kind === 'DIED'));
    fails('touch', [path.join(lf.mountPoint, 'zz')]);
    // the probe fails with EIO now: the source must neither warn about it nor crash
    await new Promise((r) => setTimeout(r, 500));
    const died = mine().filter((e) => e.kind === 'DIED');
    assert.equal(died.length, 1);
    assert.equal(died[0]!.death!.reason, 'shutdown: user');
    const errorsBefore = mine().filter((e) => e.kind === 'ERROR').length;

    // The source learns of a remount from the mount table only. Mount ids are reused, so an
    // umount + mount between two reads of the table looks like no change at all, and the dead
    // filesystem would stay dead (errors suppressed): wait until the source saw each step.
    pool.umount(lf);
    await h.waitFor('the unmount is seen', () => h.source.watched().length === 0);
    pool.mount(lf);
    await h.waitFor('the remount is watched', () => h.source.watched().length === 1);
    assert.ok(fails('stat', [path.join(lf.mountPoint, dinode.file)]));
    await h.waitFor('an ERROR after the remount', () => mine().filter((e) => e.kind === 'ERROR').length > errorsBefore);
    const revived = mine().filter((e) => e.kind === 'ERROR').slice(errorsBefore);
    assert.ok(revived.some((e) => e.inode === dinode.ino && e.errno === 117), JSON.stringify(revived));
    assert.deepEqual(h.warnings, []);
  } finally {
    await h.stop();
  }
});
