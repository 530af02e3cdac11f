/**
 * Every ext4/jbd2/block-layer sample line of kernel-error-sources.md section 3.2 (captured [V] and
 * built from source formats), classified by the ext4 plugin: message type, fields, errno, subtypes,
 * count with and without fanotify, and the died rule.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ext4Plugin, type Ext4Blob } from '../../plugins/ext4';
import type { ClassifyContext, EventDraft, FsEvent, MountInfo } from '../../core/plugin-api';
import { subtypeMask } from '../../core/model/event';
import { parseKmsgRecord } from '../../native/kmsg-parse';

function mount(device: string, fsType = 'ext4'): MountInfo {
  return { mountId: 1, mountPoint: `/mnt/${device}`, device, majorMinor: '7:0', fsType, fsid: '0123456789abcdef', uuid: null, options: ['rw'] };
}

function ctxWith(watched: boolean, mounts: MountInfo[] = [mount('loop0'), mount('loop2'), mount('sda'), mount('sda1')]): ClassifyContext {
  return {
    mountByDevice: (d) => mounts.find((m) => m.device === d),
    mountByFsid: (f) => mounts.find((m) => m.fsid === f),
    fanotifyWatched: (d) => watched && mounts.some((m) => m.device === d),
    fsGeometry: () => undefined,
  };
}

function classify(raw: string, ctx = ctxWith(false)): EventDraft<Ext4Blob> | null {
  const rec = parseKmsgRecord(raw, 1_700_000_000_000_000);
  assert.ok(rec, `not a kmsg record: ${raw}`);
  return ext4Plugin.classify(rec, ctx);
}

/** The draft as the core turns it into an event, enough for mergeKey/terminal. */
function asEvent(d: EventDraft<Ext4Blob>): FsEvent<Ext4Blob> {
  return {
    id: 'x', host: 'h', kind: 'ERROR',
    fs: { type: 'ext4', device: d.device, majorMinor: null, fsid: d.fsid ?? null, uuid: null, mountPoint: null, mountUid: null },
    errno: d.errno, errnoName: null, count: d.count, firstSeen: d.timeUs, lastSeen: d.timeUs, sources: [d.source],
    subtypes: subtypeMask(d.subtypes), inode: d.inode ?? null, handleType: d.handleType ?? null, handle: d.handle ?? null,
    path: d.path ?? null, plugin: 'ext4', blob: d.blob, lost: null, death: null,
  };
}

interface Expect {
  type: string;
  device?: string | null;
  errno: number | null;
  /** count when the device is not watched / when fanotify watches it */
  count: [number, number];
  subtypes: string[];
  terminal?: string;
  blob?: Partial<Ext4Blob>;
}

const SAMPLES: [string, Expect][] = [
  ['2,397,1,-;EXT4-fs error (device loop0): trigger_test_error:129: comm bash: hello from test',
    { type: 'error', errno: 117, count: [1, 0], subtypes: ['unknown'], blob: { function: 'trigger_test_error', line: 129, comm: 'bash', message: 'hello from test', inode: null } }],
  ['2,1449,1,-;EXT4-fs error (device loop0): ext4_lookup:1787: inode #13: comm python3: iget: bogus i_mode (377)',
    { type: 'error', errno: 117, count: [1, 0], subtypes: ['metadata'], blob: { function: 'ext4_lookup', line: 1787, inode: 13, comm: 'python3', message: 'iget: bogus i_mode (377)' } }],
  ['2,1453,1,-;EXT4-fs error (device loop0): ext4_lookup:1779: inode #12: comm python3: bad inode number: 1',
    { type: 'error', errno: 117, count: [1, 0], subtypes: ['metadata'], blob: { line: 1779, inode: 12, message: 'bad inode number: 1' } }],
  ['2,1478,1,-;EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #12: comm ls: Directory block failed checksum',
    { type: 'error', errno: 74, count: [1, 0], subtypes: ['checksum', 'metadata'], blob: { function: 'htree_dirblock_to_tree', inode: 12, comm: 'ls' } }],
  ['2,1479,1,-;EXT4-fs error (device loop0): __ext4_find_entry:1624: inode #12: comm cat: checksumming directory block 0',
    { type: 'error', errno: 74, count: [1, 0], subtypes: ['checksum', 'metadata'], blob: { function: '__ext4_find_entry', line: 1624, comm: 'cat' } }],
  ['2,1484,1,-;EXT4-fs error (device loop0): htree_dirblock_to_tree:1077: inode #12: block 4385: comm ls: bad entry in directory: rec_len is smaller than minimal - offset=0, inode=0, rec_len=5, size=1024 fake=1',
    { type: 'error', errno: 117, count: [1, 0], subtypes: ['metadata'], blob: { inode: 12, block: 4385, comm: 'ls', message: 'bad entry in directory: rec_len is smaller than minimal - offset=0, inode=0, rec_len=5, size=1024 fake=1' } }],
  ['2,1489,1,-;EXT4-fs error (device loop0): ext4_readdir:262: inode #12: block 4385: comm ls: path $WORK/mnt/ext4/d: bad entry in directory: rec_len is smaller than minimal - offset=0, inode=0, rec_len=5, size=1024 fake=1',
    { type: 'error', errno: 117, count: [1, 0], subtypes: ['metadata'], blob: { function: 'ext4_readdir', block: 4385, path: '$WORK/mnt/ext4/d' } }],
  ['2,1499,1,-;EXT4-fs error (device loop0): __ext4_get_inode_loc_noinmem:4996: inode #12: block 277: comm stat: unable to read itable block',
    { type: 'error', errno: 5, count: [1, 0], subtypes: ['io', 'metadata'], blob: { inode: 12, block: 277, comm: 'stat' } }],
  ['2,1440,1,-;EXT4-fs error (device loop0): __ext4_remount:6785: comm mount: Abort forced by user',
    { type: 'abort', errno: 108, count: [1, 0], subtypes: ['shutdown', 'journal'], terminal: 'journal-abort', blob: { function: '__ext4_remount', comm: 'mount' } }],
  ['3,1441,1,-;Aborting journal on device loop0-8.',
    { type: 'jbd2-abort', errno: null, count: [0, 0], subtypes: ['shutdown', 'journal'], terminal: 'journal-abort', blob: { journalInode: 8 } }],
  ['2,1442,1,-;EXT4-fs (loop0): Remounting filesystem read-only',
    { type: 'remount-ro', errno: 30, count: [0, 0], subtypes: ['readonly'], terminal: 'remount-ro' }],
  ['2,478156,1,-;EXT4-fs error (device loop0): ext4_mb_generate_buddy:1317: group 0, block bitmap and bg descriptor inconsistent: 3808 vs 5000 free clusters',
    { type: 'group-error', errno: 117, count: [1, 1], subtypes: ['allocation', 'metadata'], blob: { function: 'ext4_mb_generate_buddy', line: 1317, group: 0, inode: null, message: 'block bitmap and bg descriptor inconsistent: 3808 vs 5000 free clusters' } }],
  ['2,2,1,-;EXT4-fs error (device loop0): ext4_validate_block_bitmap:441: group 3, block 98305:bad block bitmap checksum',
    { type: 'group-error', errno: 74, count: [1, 1], subtypes: ['allocation', 'metadata', 'checksum'], blob: { group: 3, block: 98305, message: 'bad block bitmap checksum' } }],
  ['2,3,1,-;EXT4-fs error (device loop0): ext4_free_inode:351: group 1, inode 8200: bit already cleared for inode',
    { type: 'group-error', errno: 117, count: [1, 1], subtypes: ['allocation', 'metadata'], blob: { group: 1, inode: 8200 } }],
  ['1,1492,1,-;EXT4-fs (loop0): shut down requested (1)',
    { type: 'shutdown', errno: 108, count: [1, 1], subtypes: ['shutdown'], terminal: 'shutdown', blob: { shutdownFlags: 1 } }],
  ['4,474111,1,-;EXT4-fs warning (device loop0): htree_dirblock_to_tree:1051: inode #32769: lblock 0: comm ls: error -12 reading directory block',
    { type: 'warning', errno: 12, count: [1, 1], subtypes: ['metadata'], blob: { inode: 32769, lblock: 0, comm: 'ls', message: 'error -12 reading directory block' } }],
  // (src) lines
  ['4,5,1,-;EXT4-fs warning (device loop0): ext4_end_bio:368: I/O error 10 writing to inode 12 starting block 47729)',
    { type: 'warning', errno: 5, count: [1, 1], subtypes: ['io', 'writeback', 'data'], blob: { function: 'ext4_end_bio', inode: null } }],
  ['3,6,1,-;EXT4-fs (loop0): previous I/O error to superblock detected',
    { type: 'unknown', errno: 5, count: [1, 1], subtypes: ['io', 'metadata'] }],
  ['2,7,1,-;EXT4-fs error (device loop0): ext4_journal_check_start:61: comm touch: Detected aborted journal',
    { type: 'abort', errno: 5, count: [1, 0], subtypes: ['shutdown', 'journal'], terminal: 'journal-abort' }],
  ['2,8,1,-;EXT4-fs error (device loop0) in ext4_reserve_inode_write:5846: Journal has aborted',
    { type: 'std-error', errno: 30, count: [1, 0], subtypes: ['journal'], terminal: 'journal-abort', blob: { function: 'ext4_reserve_inode_write', line: 5846 } }],
  ['2,9,1,-;EXT4-fs error (device loop0) in ext4_orphan_add:188: Corrupt filesystem',
    { type: 'std-error', errno: 117, count: [1, 0], subtypes: ['unknown'] }],
  ['2,10,1,-;EXT4-fs error (device loop0) in ext4_writepages:2791: IO failure',
    { type: 'std-error', errno: 5, count: [1, 0], subtypes: ['io'] }],
  ['2,11,1,-;EXT4-fs error (device loop0) in ext4_mb_new_blocks:6244: error 28',
    { type: 'std-error', errno: 28, count: [1, 0], subtypes: ['unknown'] }],
  ['2,12,1,-;EXT4-fs error (device loop0) in ext4_evict_inode:290: Filesystem failed CRC',
    { type: 'std-error', errno: 74, count: [1, 0], subtypes: ['checksum', 'metadata'] }],
  ['5,13,1,-;EXT4-fs (loop0): initial error at time 1795236767: trigger_test_error:129',
    { type: 'error-summary', errno: null, count: [0, 0], subtypes: [], blob: { function: 'trigger_test_error', line: 129, errorTime: 1795236767 } }],
  ['5,14,1,-;EXT4-fs (loop0): last error at time 1795236768: ext4_lookup:1787: inode 13: block 277',
    { type: 'error-summary', errno: null, count: [0, 0], subtypes: [], blob: { inode: 13, block: 277 } }],
  ['5,15,1,-;EXT4-fs (loop0): error count since last fsck: 4',
    { type: 'error-summary', errno: null, count: [0, 0], subtypes: [], blob: { reportedErrors: 4 } }],
  ['3,16,1,-;JBD2: I/O error when updating journal superblock for loop0-8.',
    { type: 'jbd2', errno: 5, count: [1, 1], subtypes: ['journal', 'io', 'metadata'] }],
  ['3,17,1,-;JBD2: Detected IO errors while flushing file data on loop0-8',
    { type: 'jbd2', errno: 5, count: [1, 1], subtypes: ['journal', 'io'] }],
  ['6,474086,1604661316,-;kworker/u8:4: attempt to access beyond end of device\\x0aloop2: rw=4097, sector=141792, nr_sectors = 32 limit=122880',
    { type: 'io-error', device: 'loop2', errno: 5, count: [1, 1], subtypes: ['io'], blob: { sector: 141792 } }],
  ['3,18,1,-;I/O error, dev sda, sector 2048 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 2',
    { type: 'io-error', device: 'sda', errno: 5, count: [1, 1], subtypes: ['io'], blob: { sector: 2048, operation: 'READ' } }],
  ['3,19,1,-;critical medium error, dev sda, sector 4096 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 2',
    { type: 'io-error', device: 'sda', errno: 61, count: [1, 1], subtypes: ['io'], blob: { operation: 'WRITE' } }],
  ['3,20,1,-;Buffer I/O error on dev sda1, logical block 0, async page read',
    { type: 'io-error', device: 'sda1', errno: 5, count: [1, 1], subtypes: ['io'], blob: { block: 0, operation: 'async page read' } }],
  ['3,21,1,-;Buffer I/O error on device loop0, logical block 47729',
    { type: 'io-error', errno: 5, count: [1, 1], subtypes: ['io'], blob: { block: 47729, operation: null } }],
  ['2,22,1,-;EXT4-fs error (device loop0): a format no regex knows',
    { type: 'unknown', errno: null, count: [1, 1], subtypes: ['unknown'] }],
];

describe('ext4 plugin: kernel log lines of kernel-error-sources.md 3.2', () => {
  for (const [raw, x] of SAMPLES) {
    it(`${x.type}: ${raw.split(';')[1]!.slice(0, 90)}`, () => {
      for (const [watched, count] of [[false, x.count[0]], [true, x.count[1]]] as const) {
        const d = classify(raw, ctxWith(watched));
        assert.ok(d, 'not claimed');
        assert.equal(d.blob.messageType, x.type);
        assert.equal(d.device, x.device === undefined ? 'loop0' : x.device);
        assert.equal(d.errno, x.errno);
        assert.equal(d.count, count, `count with fanotify ${watched ? 'watching' : 'not watching'}`);
        assert.equal(d.source, 'kmsg');
        assert.deepEqual([...d.subtypes].sort(), [...x.subtypes].sort());
        for (const [k, v] of Object.entries(x.blob ?? {})) assert.deepEqual(d.blob[k], v, `blob.${k}`);
        assert.equal(ext4Plugin.terminal(asEvent(d)), x.terminal ?? null);
      }
    });
  }

  it('a ratelimit notice (`callbacks suppressed`, no device) is no event (no device-less ERROR, no phantom filesystem)', () => {
    for (const raw of ['4,408,1,-;EXT4-fs error: 990 callbacks suppressed', '4,409,1,-;EXT4-fs warning: 3 callbacks suppressed', '4,410,1,-;JBD2: 2 callbacks suppressed']) {
      assert.equal(classify(raw, ctxWith(true)), null, raw);
      assert.equal(classify(raw, ctxWith(false)), null, raw);
    }
  });

  it('keeps the first syslog level and sequence number in the blob', () => {
    const d = classify('2,397,1,-;EXT4-fs error (device loop0): trigger_test_error:129: comm bash: hello');
    assert.equal(d?.blob.level, 2);
    assert.equal(d?.blob.seq, 397);
    assert.deepEqual(d?.blob.functions, ['trigger_test_error:129']);
  });

  it('returns null for lines that are not ext4, jbd2 or block-layer errors of an ext4 mount', () => {
    for (const raw of [
      '6,1443,1,-;EXT4-fs (loop0): re-mounted 4cf92709-c634-478d-903a-3de1de0bfefc ro.',
      '6,350,1,-;EXT4-fs (loop0): mounted filesystem 1f16a1f4 r/w with ordered data mode. Quota mode: none.',
      '6,1,1,-;loop0: detected capacity change from 131072 to 32768',
      '1,2,1,-;XFS (loop1): Corruption of in-memory data (0x8) detected at xfs_trans_cancel+0x13b/0x150 (fs/xfs/xfs_trans.c:1119).  Shutting down filesystem.',
      '3,3,1,-;BTRFS error (device loop2): bdev /dev/loop2 errs: wr 1, rd 0, flush 0, corrupt 0, gen 0',
      '6,4,1,-;JBD2: Ignoring recovery information on journal',
      '4,5,1,-;bio_check_eod: 13 callbacks suppressed',
      '0,6,1,-;Kernel panic - not syncing: EXT4-fs (device sda1): panic forced after error',
    ]) {
      assert.equal(classify(raw), null, raw);
    }
  });

  it('claims block-layer lines only for a disk mounted as ext4', () => {
    const line = '3,20,1,-;Buffer I/O error on dev loop1, logical block 7, async page read';
    assert.equal(classify(line, ctxWith(false, [mount('loop1', 'xfs')])), null);
    assert.equal(classify(line, ctxWith(false, [])), null);
    assert.equal(classify(line, ctxWith(false, [mount('loop1', 'ext3')]))?.blob.messageType, 'io-error');
  });

  it('never claims a line written by a user process (facility 1), even one that looks like ext4', () => {
    const raw = '2,397,1,-;EXT4-fs error (device loop0): trigger_test_error:129: comm bash: hello';
    const rec = parseKmsgRecord(raw, 1)!;
    assert.ok(ext4Plugin.classify(rec, ctxWith(false)));
    assert.equal(ext4Plugin.classify({ ...rec, facility: 1 }, ctxWith(false)), null);
    assert.equal(classify(raw.replace(/^2,/, '10,')), null, 'prefix 10 = facility 1 (LOG_USER), level 2');
  });

  it('a repeated text (the flood case, answered from the facts of recent texts) still gets its own record, context and objects', () => {
    const text = 'EXT4-fs error (device loop0): ext4_lookup:1787: inode #13: comm find: deleted inode referenced: 213';
    const a = ext4Plugin.classify(parseKmsgRecord(`3,500,1,-;${text}`, 1_000)!, ctxWith(false))!;
    const b = ext4Plugin.classify(parseKmsgRecord(`2,501,1,-;${text}`, 2_000)!, ctxWith(true))!;
    assert.deepEqual([a.blob.seq, a.blob.level, a.timeUs, a.count], [500, 3, 1_000, 1]);
    assert.deepEqual([b.blob.seq, b.blob.level, b.timeUs, b.count], [501, 2, 2_000, 0], 'level, seq, time and the fanotify count are the record\'s and the context\'s');
    assert.notEqual(a.blob, b.blob);
    assert.notEqual(a.subtypes, b.subtypes);
    assert.notEqual(a.blob.functions, b.blob.functions);
    assert.deepEqual({ ...a.blob, seq: 0, level: 0 }, { ...b.blob, seq: 0, level: 0 });
    // A block-layer line: whether it is ext4's is asked of the mount table every time.
    const io = '3,20,1,-;Buffer I/O error on dev loop1, logical block 7, async page read';
    assert.equal(classify(io, ctxWith(false, [mount('loop1', 'ext4')]))?.blob.messageType, 'io-error');
    assert.equal(classify(io, ctxWith(false, [mount('loop1', 'xfs')])), null);
    // A quiet (KERN_INFO) unknown EXT4-fs line is dropped by its level, a loud one with the same text is not.
    assert.equal(classify('6,30,1,-;EXT4-fs (loop0): mounted filesystem with ordered data mode'), null);
    assert.equal(classify('3,31,1,-;EXT4-fs (loop0): mounted filesystem with ordered data mode')?.blob.messageType, 'unknown');
  });
});
