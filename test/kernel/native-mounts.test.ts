/**
 * readMountTable against the real /proc/self/mountinfo with loop-mounted ext4 and XFS.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readMountTable, statfsFsid } from '../../native/index';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';

let pool: LoopFsPool;

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'mkfs.xfs', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-native-mounts-');
});

after(() => {
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

test('loop mounts appear with the kernel device name, maj:min, fsid and options', () => {
  const ext4 = pool.create('ext4', { mountOpts: 'errors=remount-ro' });
  const xfs = pool.create('xfs');
  const table = readMountTable();
  for (const lf of [ext4, xfs]) {
    const m = table.find((x) => x.mountPoint === lf.mountPoint);
    assert.ok(m, `${lf.mountPoint} in the table`);
    assert.equal(m.device, lf.device);
    assert.equal(m.fsType, lf.fsType);
    const st = fs.statSync(lf.loopDev);
    assert.equal(m.majorMinor, `${Math.floor(st.rdev / 256) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}`);
    assert.equal(m.fsid, statfsFsid(lf.mountPoint));
    assert.ok(m.options.includes('rw'));
  }
  assert.ok(fs.existsSync(`/sys/fs/ext4/${ext4.device}`), 'device is the /sys/fs/ext4 name');
  assert.ok(table.find((x) => x.mountPoint === ext4.mountPoint)!.options.includes('errors=remount-ro'), 'super options merged');
  pool.umount(ext4);
  assert.ok(!readMountTable().some((x) => x.mountPoint === ext4.mountPoint), 'gone after umount');
});
