/**
 * ext4 plugin rules in isolation: fanotify decoding, the merge key shared by a log line and its
 * fanotify event, the bounded blob merge, the died rule for fanotify, and the sysfs counter probe.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ext4Plugin, type Ext4Blob } from '../../plugins/ext4';
import type { ClassifyContext, CounterRecord, EventDraft, FanotifyRecord, FsEvent, MountInfo } from '../../core/plugin-api';
import { subtypeMask } from '../../core/model/event';
import { parseKmsgRecord } from '../../native/kmsg-parse';

const MOUNT: MountInfo = { mountId: 1, mountPoint: '/mnt', device: 'loop0', majorMinor: '7:0', fsType: 'ext4', fsid: 'dac77f887c96a0ca', uuid: null, options: ['rw'] };
const ctx: ClassifyContext = {
  mountByDevice: (d) => (d === 'loop0' ? MOUNT : undefined),
  mountByFsid: (f) => (f === MOUNT.fsid ? MOUNT : undefined),
  fanotifyWatched: (d) => d === 'loop0',
  fsGeometry: () => undefined,
};

function fan(error: number, handleType: number, handle: string, errorCount = 1, mask = 0x8000): FanotifyRecord {
  return { source: 'fanotify', mask, fsid: MOUNT.fsid!, error, errorCount, handleType, handle, pid: 8705, readAtUs: 2 };
}

function event(d: EventDraft<Ext4Blob> | null): FsEvent<Ext4Blob> {
  assert.ok(d, 'not claimed');
  return {
    id: 'x', host: 'h', kind: 'ERROR', fs: { type: 'ext4', device: d.device, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null },
    errno: d.errno, errnoName: null, count: d.count, firstSeen: 1, lastSeen: 1, sources: [d.source], subtypes: subtypeMask(d.subtypes),
    inode: d.inode ?? null, handleType: d.handleType ?? null, handle: d.handle ?? null, path: null, plugin: 'ext4', blob: d.blob, lost: null, death: null,
  };
}

const kmsg = (text: string, level = 2) => event(ext4Plugin.classify(parseKmsgRecord(`${level},1,1,-;${text}`, 1)!, ctx));
const fanEvent = (...a: Parameters<typeof fan>) => event(ext4Plugin.classify(fan(...a), ctx));

describe('ext4 plugin: fanotify records', () => {
  it('decodes FILEID_INO32_GEN (le32 inode, le32 generation) as recorded on 6.18', () => {
    const e = fanEvent(117, 1, '0d00000086ef96e6');
    assert.equal(e.inode, 13);
    assert.equal(e.blob!.generation, 0xe696ef86);
    assert.equal(e.fs.device, 'loop0');
    assert.equal(e.errno, 117);
    assert.equal(e.count, 1);
    assert.equal(e.blob!.pid, 8705);
    assert.deepEqual(e.blob!.messageType, 'fanotify');
  });

  it('FILEID_INVALID with no bytes is superblock-level: no inode', () => {
    const e = fanEvent(108, 255, '');
    assert.equal(e.inode, null);
    assert.equal(e.handleType, 255);
  });

  it('takes abs(error) (ext4 <= 6.19 __ext4_std_error reports it negative) and error_count as count', () => {
    const e = fanEvent(-5, 255, '', 1000);
    assert.equal(e.errno, 5);
    assert.equal(e.count, 1000);
  });

  it('an inode-table read EIO has generation 0', () => {
    assert.equal(fanEvent(5, 1, '0c00000000000000').blob!.generation, 0);
  });

  it('a handle that is not ext4\'s gives no inode, and FAN_Q_OVERFLOW is not an event', () => {
    assert.equal(fanEvent(117, 129, '0d000000000000000a000000').inode, null);
    assert.equal(fanEvent(117, 1, 'zz').inode, null);
    assert.equal(ext4Plugin.classify(fan(0, 255, '', 0, 0x4000), ctx), null);
  });

  it('an unknown fsid gives device null', () => {
    assert.equal(ext4Plugin.classify({ ...fan(117, 255, ''), fsid: '0000000000000000' }, ctx)!.device, null);
  });
});

describe('ext4 plugin: merge key', () => {
  const bogusMode = 'EXT4-fs error (device loop0): ext4_lookup:1787: inode #13: comm cat: iget: bogus i_mode (377)';

  it('a log line and the fanotify event of the same error share a key', () => {
    assert.equal(ext4Plugin.mergeKey(kmsg(bogusMode)), ext4Plugin.mergeKey(fanEvent(117, 1, '0d00000086ef96e6')));
    assert.equal(
      ext4Plugin.mergeKey(kmsg('EXT4-fs error (device loop0): trigger_test_error:129: comm bash: x')),
      ext4Plugin.mergeKey(fanEvent(117, 255, '')),
    );
    assert.equal(
      ext4Plugin.mergeKey(kmsg('EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #12: comm ls: Directory block failed checksum')),
      ext4Plugin.mergeKey(fanEvent(74, 1, '0c0000008fdb8b80')),
    );
    assert.equal(
      ext4Plugin.mergeKey(kmsg('EXT4-fs error (device loop0) in ext4_writepages:2791: IO failure')),
      ext4Plugin.mergeKey(fanEvent(-5, 255, '')),
    );
  });

  it('different inodes or errnos do not share a key', () => {
    const k = ext4Plugin.mergeKey(kmsg(bogusMode));
    assert.notEqual(k, ext4Plugin.mergeKey(fanEvent(117, 1, '0c000000d4ae3664')));
    assert.notEqual(k, ext4Plugin.mergeKey(fanEvent(74, 1, '0d00000086ef96e6')));
    assert.notEqual(k, ext4Plugin.mergeKey(fanEvent(117, 255, '')));
  });

  it('lines fanotify never reports stay out of fanotify\'s events', () => {
    const grp = kmsg('EXT4-fs error (device loop0): ext4_mb_generate_buddy:1317: group 0, block bitmap and bg descriptor inconsistent: 3808 vs 5000 free clusters');
    assert.equal(grp.errno, 117);
    assert.notEqual(ext4Plugin.mergeKey(grp), ext4Plugin.mergeKey(fanEvent(117, 255, '')));
    const warn = kmsg('EXT4-fs warning (device loop0): ext4_end_bio:368: I/O error 10 writing to inode 12 starting block 47729)', 4);
    assert.notEqual(ext4Plugin.mergeKey(warn), ext4Plugin.mergeKey(fanEvent(5, 255, '')));
  });
});

describe('ext4 plugin: blob merge', () => {
  it('a fanotify event merged first takes its detail from the log line', () => {
    const into = fanEvent(117, 1, '0d00000086ef96e6').blob!;
    const merged = ext4Plugin.merge(into, kmsg('EXT4-fs error (device loop0): ext4_lookup:1787: inode #13: comm cat: iget: bogus i_mode (377)').blob!);
    assert.equal(merged.messageType, 'error');
    assert.equal(merged.function, 'ext4_lookup');
    assert.equal(merged.comm, 'cat');
    assert.equal(merged.pid, 8705);
    assert.equal(merged.lines, 1);
    assert.equal(merged.fanotifyEvents, 1);
  });

  it('keeps the first line\'s detail and at most 8 distinct functions however many merge', () => {
    let b = kmsg('EXT4-fs error (device loop0): f0:1: comm a: first').blob!;
    for (let i = 0; i < 1000; i++) b = ext4Plugin.merge(b, kmsg(`EXT4-fs error (device loop0): f${i % 20}:${i}: comm b: later ${i}`).blob!);
    assert.equal(b.function, 'f0');
    assert.equal(b.message, 'first');
    assert.equal(b.lines, 1001);
    assert.equal(b.functions!.length, 8);
    assert.equal(b.functions![0], 'f0:1');
  });

  it('adds up suppressed line counts', () => {
    const s = kmsg('EXT4-fs error: 990 callbacks suppressed', 4).blob!;
    assert.equal(ext4Plugin.merge(s, s).suppressedLines, 1980);
  });

  it('truncates long messages to 256 characters', () => {
    assert.equal(kmsg(`EXT4-fs error (device loop0): f:1: comm a: ${'x'.repeat(5000)}`).blob!.message!.length, 256);
  });
});

describe('ext4 plugin: died rule for fanotify', () => {
  it('ESHUTDOWN from fanotify is a journal abort; other errnos are not terminal', () => {
    assert.equal(ext4Plugin.terminal(fanEvent(108, 255, '')), 'journal-abort');
    assert.equal(ext4Plugin.terminal(fanEvent(117, 255, '')), null);
    assert.equal(ext4Plugin.terminal(fanEvent(5, 255, '')), null);
  });
});

describe('ext4 plugin: sysfs counter probe', () => {
  const probe = ext4Plugin.counters!;
  const rec = (counters: CounterRecord['counters']): CounterRecord => ({ source: 'sysfs', device: 'loop0', fsType: 'ext4', readAtUs: 1, counters });

  it('reads /sys/fs/ext4/<dev>: errors_count and the first/last error records', () => {
    assert.equal(probe.sysfsDir!('loop0'), '/sys/fs/ext4/loop0');
    assert.equal(probe.sysfsDir!('cciss/c0d0'), '/sys/fs/ext4/cciss!c0d0');
    assert.throws(() => probe.sysfsDir!('..'), /not a device name/);
    assert.deepEqual(probe.files, [
      'errors_count',
      'first_error_time', 'first_error_func', 'first_error_line', 'first_error_ino', 'first_error_block', 'first_error_errcode',
      'last_error_time', 'last_error_func', 'last_error_line', 'last_error_ino', 'last_error_block', 'last_error_errcode',
    ]);
  });

  it('total is errors_count; null when missing or not a count', () => {
    assert.equal(probe.total(rec({ errors_count: 1001, first_error_func: 'trigger_test_error' })), 1001);
    assert.equal(probe.total(rec({ errors_count: '22001\n' })), 22001);
    assert.equal(probe.total(rec({ errors_count: 0 })), 0);
    assert.equal(probe.total(rec({})), null);
    assert.equal(probe.total(rec({ errors_count: 'n/a' })), null);
    assert.equal(probe.total(rec({ errors_count: -1 })), null);
  });

  it('a counter record is not an event (the core reconciles it)', () => {
    assert.equal(ext4Plugin.classify(rec({ errors_count: 1 }), ctx), null);
  });
});
