/**
 * Health records (FSGEOMETRY, AG_GEOMETRY, BULKSTAT diffs) and the Linux 7.0 sources (health
 * monitor, FAN_FS_ERROR with XFS handles), the last two from constructed records: 6.18 has neither.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FanotifyRecord, HealthRecord, MountInfo, RawRecord } from '../../core/plugin-api';
import { xfsPlugin } from '../../plugins/xfs';
import type { XfsHealthMonitorRecord } from '../../plugins/xfs';
import { handleInode } from '../../plugins/xfs/classify-fanotify';
import { FIXTURE_GEOMETRY } from '../tools/xfs-replay';

const mount: MountInfo = { mountId: 1, mountPoint: '/mnt', device: 'loop0', majorMinor: '7:0', fsType: 'xfs', fsid: '0000070000000000', uuid: null, options: [] };
const ctx = {
  mountByDevice: (d: string) => (d === 'loop0' ? mount : undefined),
  mountByFsid: (f: string) => (f === mount.fsid ? mount : undefined),
  fanotifyWatched: () => false,
  fsGeometry: () => FIXTURE_GEOMETRY,
};
const health = (scope: HealthRecord['scope'], index: number | null, sick: number, checked = 0, failure: string | null = null): HealthRecord => ({
  source: 'ioctl', device: 'loop0', fsType: 'xfs', readAtUs: 5, scope, index, sick, checked, failure,
});

test('a sick AG flag is an event (metadata, EUCLEAN) carrying its AG and the same key as the log line', () => {
  const d = xfsPlugin.classify(health('ag', 2, 0x400), ctx)!;
  assert.equal(d.errno, 117);
  assert.deepEqual(d.subtypes, ['metadata']);
  assert.equal(d.blob.agno, 2);
  assert.deepEqual(d.blob.agSick, ['inodes']);
  assert.equal(d.blob.metadataType, 'inode');
  assert.equal(d.count, 1);
  assert.equal(d.source, 'ioctl');
});

test('every flag decodes to a name; several new flags count one each; unknown bits stay visible', () => {
  const fs = xfsPlugin.classify(health('fs', null, 0x1 | 0x2 | 0x80, 0x1), ctx)!;
  assert.deepEqual(fs.blob.fsSick, ['counters', 'uquota', 'nlinks']);
  assert.deepEqual(fs.blob.fsChecked, ['counters']);
  assert.equal(fs.count, 3);
  assert.ok(fs.subtypes.includes('quota') && fs.subtypes.includes('allocation'));
  const ag = xfsPlugin.classify(health('ag', 1, 0x7ff), ctx)!;
  assert.deepEqual(ag.blob.agSick, ['sb', 'agf', 'agfl', 'agi', 'bnobt', 'cntbt', 'inobt', 'finobt', 'rmapbt', 'refcntbt', 'inodes']);
  const ino = xfsPlugin.classify(health('inode', 786560, 0x1ff | 0x1000), ctx)!;
  assert.deepEqual(ino.blob.inodeSick, ['inode', 'bmbtd', 'bmbta', 'bmbtc', 'dir', 'xattr', 'symlink', 'parent', 'dirtree', 'bit12']);
  assert.equal(ino.inode, 786560);
  assert.equal(ino.blob.agno, 3, 'the doc\'s SICK ino=786560 lives in AG3');
});

test('no event: nothing newly sick, only checked, or a failed probe (EIO after shutdown, EUCLEAN inode)', () => {
  assert.equal(xfsPlugin.classify(health('fs', null, 0), ctx), null);
  assert.equal(xfsPlugin.classify(health('ag', 0, 0, 0x3), ctx), null);
  assert.equal(xfsPlugin.classify(health('fs', null, 0, 0, 'EIO'), ctx), null);
  assert.equal(xfsPlugin.classify(health('inode', 655489, 0, 0, 'EUCLEAN'), ctx), null);
  assert.equal(xfsPlugin.classify({ ...health('ag', 0, 1), fsType: 'ext4' }, ctx), null);
});

const hm = (over: Partial<XfsHealthMonitorRecord>): RawRecord =>
  ({ source: 'healthmon', device: 'loop0', fsType: 'xfs', readAtUs: 9, timeUs: 1, domain: 'fs', type: 'sick', mask: 0, group: null, ino: null, gen: null, daddr: null, sectors: null, pos: null, bytes: null, errno: null, lostCount: null, ...over }) as unknown as RawRecord;

test('7.0 health monitor: sick/corrupt per domain, shutdown is terminal, media and file I/O errors', () => {
  const ag = xfsPlugin.classify(hm({ domain: 'ag', type: 'corrupt', mask: 0x2, group: 1 }), ctx)!;
  assert.equal(ag.blob.agno, 1);
  assert.equal(ag.blob.metadataType, 'agf');
  assert.equal(ag.errno, 117);
  const ino = xfsPlugin.classify(hm({ domain: 'inode', type: 'sick', mask: 0x10, ino: 262275 }), ctx)!;
  assert.deepEqual(ino.blob.inodeSick, ['dir']);
  assert.equal(ino.blob.agno, 1);
  const sd = xfsPlugin.classify(hm({ domain: 'mount', type: 'shutdown', mask: 0x8 }), ctx)!;
  assert.equal(sd.blob.messageType, 'shutdown');
  assert.equal(xfsPlugin.terminal({ blob: sd.blob } as never), 'shutdown: corruption');
  const media = xfsPlugin.classify(hm({ domain: 'datadev', type: 'media_error', daddr: 0xa0080, sectors: 32 }), ctx)!;
  assert.equal(media.errno, 5);
  assert.equal(media.blob.agno, 2);
  assert.deepEqual(media.blob.ranges, [{ daddr: 0xa0080, length: 32 }]);
  const write = xfsPlugin.classify(hm({ domain: 'filerange', type: 'bufwrite', ino: 131, pos: 4096, bytes: 8192, errno: 5 }), ctx)!;
  assert.deepEqual(write.subtypes, ['data', 'writeback']);
  assert.equal(write.blob.fileOffset, 4096);
  assert.equal(write.inode, 131);
  for (const type of ['running', 'unmount', 'healthy', 'lost'] as const) assert.equal(xfsPlugin.classify(hm({ type }), ctx), null, type);
});

const fan = (over: Partial<FanotifyRecord>): FanotifyRecord => ({
  source: 'fanotify', mask: 0x8000, fsid: mount.fsid!, error: 117, errorCount: 1, handleType: 255, handle: '', pid: 1, readAtUs: 3, ...over,
});

test('7.0 FAN_FS_ERROR on XFS: 64-bit handles (0x81), inode32 handles, superblock errors, overflow', () => {
  // le64 ino 0x40083, le32 gen 7
  const h81 = '8300040000000000' + '07000000';
  assert.equal(handleInode(0x81, h81), 0x40083);
  assert.equal(handleInode(1, '83000400' + '07000000'), 0x40083);
  assert.equal(handleInode(255, ''), null);
  const d = xfsPlugin.classify(fan({ handleType: 0x81, handle: h81, errorCount: 3 }), ctx)!;
  assert.equal(d.device, 'loop0');
  assert.equal(d.inode, 0x40083);
  assert.equal(d.blob.agno, 1);
  assert.equal(d.count, 3);
  assert.equal(d.handleType, 0x81);
  assert.deepEqual(d.subtypes, ['metadata']);
  const sb = xfsPlugin.classify(fan({ error: -5 }), ctx)!;
  assert.equal(sb.errno, 5);
  assert.deepEqual(sb.subtypes, ['io']);
  assert.equal(xfsPlugin.classify(fan({ handleType: 0x81, handle: h81, error: 5 }), ctx)!.subtypes.includes('data'), true);
  assert.equal(xfsPlugin.terminal({ blob: xfsPlugin.classify(fan({ error: 108 }), ctx)!.blob } as never), 'shutdown: unknown');
  assert.equal(xfsPlugin.classify(fan({ mask: 0x4000 }), ctx), null);
});
