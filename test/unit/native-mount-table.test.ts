import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountInfo, unescapeMountPath } from '../../native/mount-table';
import type { MountProbe } from '../../native/mount-table';

const TEXT = [
  '22 1 7:0 / /mnt/with\\040space rw,relatime shared:1 - ext4 /dev/loop0 rw,errors=continue',
  '23 1 253:1 / /data rw,noatime - xfs /dev/mapper/vg-data rw,attr2,inode64',
  '24 1 0:23 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
  '25 1 0:40 / /btr rw,relatime master:3 shared:4 - btrfs /dev/loop3 rw,space_cache=v2,subvolid=5',
  '',
].join('\n');

const probe: MountProbe = {
  statfsFsid: (mp) => {
    if (mp === '/proc') throw new Error('statfs failed');
    return '0123456789abcdef';
  },
  blockDeviceName: (mm) => ({ '7:0': 'loop0', '253:1': 'dm-1' })[mm] ?? null,
  uuids: () => new Map([['loop0', 'c2b8e1a4-0000-4000-8000-000000000001']]),
};

test('mountinfo lines become MountInfo with kernel device names, fsid and merged options', () => {
  const m = parseMountInfo(TEXT, probe);
  assert.equal(m.length, 4);
  assert.deepEqual(m[0], {
    mountId: 22,
    mountPoint: '/mnt/with space',
    device: 'loop0',
    majorMinor: '7:0',
    fsType: 'ext4',
    fsid: '0123456789abcdef',
    uuid: 'c2b8e1a4-0000-4000-8000-000000000001',
    options: ['rw', 'relatime', 'errors=continue'],
  });
  assert.equal(m[1]!.device, 'dm-1', 'device-mapper: the /sys/dev/block name, not the /dev/mapper alias');
  assert.equal(m[1]!.uuid, null);
  assert.equal(m[2]!.device, 'proc');
  assert.equal(m[2]!.fsid, null, 'statfs failure gives a null fsid');
  assert.equal(m[3]!.device, 'loop3', 'anonymous dev (btrfs): basename of the /dev source');
  assert.equal(m[3]!.fsType, 'btrfs');
});

test('octal escapes in paths are undone', () => {
  assert.equal(unescapeMountPath('/a\\040b\\011c\\012d\\134e'), '/a b\tc\nd\\e');
});
