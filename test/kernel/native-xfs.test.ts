/**
 * XFS health ioctls on a real loop-mounted XFS (root; xfsprogs: mkfs.xfs, xfs_io).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { isFsfaultError } from '../../core/errors';
import { xfsAgGeometry, xfsBulkstatHealth, xfsFsGeometry } from '../../native/index';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';

let pool: LoopFsPool;

function errnoOf(e: unknown): string | undefined {
  return isFsfaultError(e) ? (e.details.errno as string) : undefined;
}

before(() => {
  requireKernelPrereqs(['mkfs.xfs', 'xfs_io', 'mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-native-xfs-');
});

after(() => {
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

test('healthy XFS: fs geometry, every AG and the root inode report nothing sick', () => {
  const lf = pool.create('xfs');
  const g = xfsFsGeometry(lf.mountPoint);
  assert.ok(g.agcount > 0, 'agcount');
  assert.equal(g.blocksize, 4096);
  assert.ok(g.datablocks > 0 && g.agblocks > 0 && g.logblocks > 0);
  assert.ok(g.inodesize >= 256 && g.sectsize >= 512);
  assert.equal(g.sick, 0);
  assert.match(g.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  for (let agno = 0; agno < g.agcount; agno++) {
    const ag = xfsAgGeometry(lf.mountPoint, agno);
    assert.equal(ag.agno, agno);
    assert.ok(ag.length > 0 && ag.length <= g.agblocks);
    assert.ok(ag.freeblks > 0);
    assert.equal(ag.sick, 0);
  }
  assert.throws(() => xfsAgGeometry(lf.mountPoint, g.agcount), (e: unknown) => errnoOf(e) === 'EINVAL', 'AG past the end');
  const rootIno = fs.statSync(lf.mountPoint).ino;
  assert.deepEqual(xfsBulkstatHealth(lf.mountPoint, rootIno), { sick: 0, checked: 0 });
  fs.writeFileSync(`${lf.mountPoint}/f`, 'x');
  const fileIno = fs.statSync(`${lf.mountPoint}/f`).ino;
  assert.equal(xfsBulkstatHealth(lf.mountPoint, fileIno).sick, 0);
  fs.unlinkSync(`${lf.mountPoint}/f`);
  assert.throws(() => xfsBulkstatHealth(lf.mountPoint, fileIno), (e: unknown) => errnoOf(e) === 'ENOENT', 'freed inode');
});

test('after xfs_io shutdown the health ioctls fail with EIO', () => {
  const lf = pool.create('xfs');
  sh('xfs_io', ['-x', '-c', 'shutdown', lf.mountPoint]);
  assert.throws(
    () => xfsFsGeometry(lf.mountPoint),
    (e: unknown) => {
      assert.ok(isFsfaultError(e, 'NATIVE_SYSCALL'), String(e));
      assert.equal(e.details.errno, 'EIO');
      assert.match(e.message, /EIO/);
      return true;
    },
  );
  assert.throws(() => xfsAgGeometry(lf.mountPoint, 0), (e: unknown) => errnoOf(e) === 'EIO');
  pool.umount(lf);
});

test('on a non-XFS filesystem the ioctl is a typed ENOTTY naming the call', () => {
  const lf = pool.create('ext4');
  assert.throws(
    () => xfsFsGeometry(lf.mountPoint),
    (e: unknown) => errnoOf(e) === 'ENOTTY' && /XFS_IOC_FSGEOMETRY/.test((e as Error).message),
  );
  assert.throws(() => xfsFsGeometry('/nonexistent-fsfault'), (e: unknown) => errnoOf(e) === 'ENOENT');
});
