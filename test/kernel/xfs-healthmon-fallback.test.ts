/**
 * The Linux 7.0 XFS health monitor on this real 6.18 kernel: a loop-mounted XFS answers
 * XFS_IOC_HEALTH_MONITOR on its root directory with ENOTTY, and the xfs probe's feed falls back to
 * log+ioctl saying why. Root, xfsprogs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { isFsfaultError } from '../../core/errors';
import { readMountTable } from '../../native/index';
import { openXfsHealthMonitor } from '../../native/xfs-healthmon';
import { XfsHealthmonFeed } from '../../plugins/xfs';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';

let pool: LoopFsPool;

before(() => {
  requireKernelPrereqs(['mkfs.xfs', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-xfs-hm-');
});

after(() => {
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

test(`XFS on ${os.release()}: XFS_IOC_HEALTH_MONITOR gives ENOTTY, the feed falls back to log+ioctl and says so`, async () => {
  const major = Number(/^(\d+)\./.exec(os.release())![1]);
  const lf = pool.create('xfs');
  const mount = readMountTable().find((m) => m.mountPoint === lf.mountPoint);
  assert.ok(mount && mount.fsType === 'xfs');
  if (major >= 7) {
    // A kernel with the monitor: it must open (nobody else holds this fresh filesystem's slot).
    const h = await openXfsHealthMonitor(lf.mountPoint, () => undefined);
    assert.equal(await h.stop(), null);
    return;
  }
  await assert.rejects(openXfsHealthMonitor(lf.mountPoint, () => undefined), (e: unknown) => {
    assert.ok(isFsfaultError(e, 'NATIVE_SYSCALL'), String(e));
    assert.deepEqual([e.details.errno, e.details.syscall, e.details.path], ['ENOTTY', 'ioctl(XFS_IOC_HEALTH_MONITOR)', lf.mountPoint]);
    return true;
  });
  const feed = new XfsHealthmonFeed(openXfsHealthMonitor);
  const s = await feed.attach(mount);
  assert.deepEqual([s.mode, s.errno], ['log+ioctl', 'ENOTTY']);
  assert.match(s.reason!, /no XFS_IOC_HEALTH_MONITOR/);
  assert.equal(feed.active(mount), false, 'the probe keeps polling the health ioctls');
  await feed.close();
});
