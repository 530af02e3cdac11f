/**
 * Every XFS sample line of kernel-error-sources.md (3.2, 9.2) parses to the right message type,
 * metadata type, AG, daddr and errno; advisory and info lines are no events; unknown `XFS (dev):`
 * lines are; other lines are not XFS's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subtypeMask } from '../../core/plugin-api';
import { xfsPlugin } from '../../plugins/xfs';
import { parseXfsLine } from '../../plugins/xfs/kmsg-lines';
import { FIXTURE_GEOMETRY, kmsgRecord } from '../tools/xfs-replay';
import type { MountInfo } from '../../core/model/raw-record';

const mount: MountInfo = { mountId: 1, mountPoint: '/mnt', device: 'loop1', majorMinor: '7:1', fsType: 'xfs', fsid: '0000070100000000', uuid: null, options: [] };
const ext4: MountInfo = { ...mount, device: 'loop9', fsType: 'ext4', fsid: '1' };
const ctx = {
  mountByDevice: (d: string) => [mount, ext4].find((m) => m.device === d),
  mountByFsid: (f: string) => [mount, ext4].find((m) => m.fsid === f),
  fanotifyWatched: () => false,
  // the doc's images: 512 MiB, mkfs.xfs defaults
  fsGeometry: (d: string) => (d === 'loop1' ? FIXTURE_GEOMETRY : undefined),
};
const noGeometry = { ...ctx, fsGeometry: () => undefined };

const classify = (text: string, c: object = ctx) => xfsPlugin.classify(kmsgRecord(text), c as typeof ctx);

test('verifier lines: inode form and buffer form, corruption and CRC', () => {
  const cases: [string, { mt: string; structure: string | null; ag: number; daddr: number | null; inode: number | null; errno: number; verifier: string | null; readahead: boolean }][] = [
    ['XFS (loop1): Metadata corruption detected at xfs_dinode_verify.part.0+0x40b/0x810, inode 0x40083 dinode', { mt: 'inode', structure: 'dinode', ag: 1, daddr: null, inode: 0x40083, errno: 117, verifier: null, readahead: false }],
    ['XFS (loop1): Metadata corruption detected at __xfs_buf_ioend+0x185/0x580, xfs_inode block 0xa0080 xfs_inode_buf_verify', { mt: 'inode', structure: 'xfs_inode', ag: 2, daddr: 0xa0080, inode: null, errno: 117, verifier: 'xfs_inode_buf_verify', readahead: false }],
    ['XFS (loop1): Metadata corruption detected at xfs_dir3_data_reada_verify+0x25/0x70, xfs_dir3_data_reada block 0xd0 ', { mt: 'dir3_data', structure: 'xfs_dir3_data_reada', ag: 0, daddr: 0xd0, inode: null, errno: 117, verifier: null, readahead: true }],
    ['XFS (loop1): Metadata CRC error detected at xfs_dir3_data_read_verify+0x71/0x100, xfs_dir3_data block 0xd0 ', { mt: 'dir3_data', structure: 'xfs_dir3_data', ag: 0, daddr: 0xd0, inode: null, errno: 74, verifier: null, readahead: false }],
    ['XFS (loop1): Metadata corruption detected at xfs_dir3_data_reada_verify+0x25/0x70, xfs_dir3_data_reada block 0xc0078 ', { mt: 'dir3_data', structure: 'xfs_dir3_data_reada', ag: 3, daddr: 0xc0078, inode: null, errno: 117, verifier: null, readahead: true }],
    ['XFS (loop1): Metadata corruption detected at xfs_agf_read_verify+0x1c/0x80 [xfs], xfs_agf block 0x80001/0x1 ', { mt: 'agf', structure: 'xfs_agf', ag: 2, daddr: 0x80001, inode: null, errno: 117, verifier: null, readahead: false }],
    ['XFS (loop1): Metadata CRC error detected at xfs_inobt_read_verify+0x12/0x90, xfs_inobt block 0x48 xfs_inobt_read_verify', { mt: 'inobt', structure: 'xfs_inobt', ag: 0, daddr: 0x48, inode: null, errno: 74, verifier: 'xfs_inobt_read_verify', readahead: false }],
    ['XFS (loop1): Metadata corruption detected at xfs_bmap_validate_extent+0x10/0x40, inode 0xc0083 data fork', { mt: 'inode', structure: 'data fork', ag: 3, daddr: null, inode: 0xc0083, errno: 117, verifier: null, readahead: false }],
  ];
  for (const [text, want] of cases) {
    const d = classify(text);
    assert.ok(d, text);
    assert.equal(d.blob.messageType, 'verifier', text);
    assert.equal(d.blob.metadataType, want.mt, text);
    assert.equal(d.blob.structure, want.structure, text);
    assert.equal(d.blob.agno, want.ag, text);
    assert.equal(d.blob.daddr, want.daddr, text);
    assert.equal(d.blob.inode, want.inode, text);
    assert.equal(d.inode ?? null, want.inode, text);
    assert.equal(d.errno, want.errno, text);
    assert.equal(d.blob.verifier, want.verifier, text);
    assert.equal(d.blob.readahead, want.readahead, text);
    assert.equal(d.count, 1);
    assert.equal(subtypeMask(d.subtypes) & subtypeMask(['checksum']) ? 74 : 117, want.errno, `${text}: checksum subtype`);
  }
});

test('without geometry the AG is null, never guessed', () => {
  const d = classify('XFS (loop1): Metadata corruption detected at __xfs_buf_ioend+0x185/0x580, xfs_inode block 0xa0080 xfs_inode_buf_verify', noGeometry);
  assert.equal(d!.blob.agno, null);
  assert.equal(d!.blob.daddr, 0xa0080);
  const bad = { ...ctx, fsGeometry: () => ({ blocksize: 3000, agblocks: 0, inodesize: 512 }) };
  assert.equal(classify('XFS (loop1): metadata I/O error in "xfs_imap_to_bp+0x5c/0xe0" at daddr 0xa0080 len 32 error 5', bad)!.blob.agno, null);
});

test('metadata I/O error lines: function, daddr, length, errno, type from the reader', () => {
  const cases: [string, { fn: string; daddr: number; len: number; errno: number; mt: string | null; ag: number; sub: string }][] = [
    ['XFS (loop1): metadata I/O error in "xfs_imap_to_bp+0x5c/0xe0" at daddr 0xa0080 len 32 error 117', { fn: 'xfs_imap_to_bp', daddr: 0xa0080, len: 32, errno: 117, mt: 'inode', ag: 2, sub: 'metadata' }],
    ['XFS (loop1): metadata I/O error in "xfs_da_read_buf+0xea/0x180" at daddr 0xd0 len 8 error 74', { fn: 'xfs_da_read_buf', daddr: 0xd0, len: 8, errno: 74, mt: 'da_block', ag: 0, sub: 'checksum' }],
    ['XFS (loop1): metadata I/O error in "xfs_imap_to_bp+0x5c/0xe0" at daddr 0xa0080 len 32 error 5', { fn: 'xfs_imap_to_bp', daddr: 0xa0080, len: 32, errno: 5, mt: 'inode', ag: 2, sub: 'io' }],
    ['XFS (loop1): metadata I/O error in "__xfs_buf_ioend+0x1e0/0x580" at daddr 0xa0080 len 32 error 5', { fn: '__xfs_buf_ioend', daddr: 0xa0080, len: 32, errno: 5, mt: null, ag: 2, sub: 'io' }],
  ];
  for (const [text, w] of cases) {
    const d = classify(text)!;
    assert.equal(d.blob.messageType, 'io-error', text);
    assert.equal(d.blob.function, w.fn);
    assert.equal(d.blob.daddr, w.daddr);
    assert.equal(d.blob.length, w.len);
    assert.equal(d.errno, w.errno);
    assert.equal(d.blob.metadataType, w.mt);
    assert.equal(d.blob.agno, w.ag);
    assert.ok(d.subtypes.includes(w.sub as never), text);
  }
});

test('shutdown lines: reason text, flags and names, source position; subtypes by cause', () => {
  const d = classify('XFS (loop1): Log I/O Error (0x6) detected at xfs_fs_goingdown+0x63/0xb0 (fs/xfs/xfs_fsops.c:475).  Shutting down filesystem.')!;
  assert.equal(d.blob.messageType, 'shutdown');
  assert.equal(d.blob.shutdownReason, 'Log I/O Error');
  assert.equal(d.blob.shutdownFlags, 6);
  assert.deepEqual(d.blob.shutdownFlagNames, ['log_io_error', 'force_umount']);
  assert.equal(d.blob.function, 'xfs_fs_goingdown');
  assert.equal(d.blob.sourceFile, 'fs/xfs/xfs_fsops.c');
  assert.equal(d.blob.sourceLine, 475);
  assert.deepEqual(d.subtypes, ['shutdown', 'journal']);
  const m = classify('XFS (loop1): Metadata I/O Error (0x1) detected at __xfs_buf_ioend+0x513/0x580 (fs/xfs/xfs_buf.c:1134).  Shutting down filesystem.')!;
  assert.deepEqual(m.subtypes, ['shutdown', 'io']);
  assert.equal(m.blob.sourceLine, 1134);
});

test('internal errors, free-inode corruption, write failures', () => {
  const i = classify('XFS (loop1): Internal error xfs_trans_cancel at line 1097 of file fs/xfs/xfs_trans.c.  Caller xfs_create+0x2b1/0x4f0')!;
  assert.equal(i.blob.messageType, 'internal');
  assert.equal(i.blob.function, 'xfs_create');
  assert.equal(i.blob.sourceFile, 'fs/xfs/xfs_trans.c');
  assert.equal(i.blob.sourceLine, 1097);
  assert.equal(i.blob.message, 'xfs_trans_cancel');
  assert.deepEqual(i.subtypes, ['internal']);
  const f = classify('XFS (loop1): Corruption detected! Free inode 0x40085 not marked free! (mode 0x81a4)')!;
  assert.equal(f.blob.messageType, 'free-inode');
  assert.equal(f.inode, 0x40085);
  assert.equal(f.blob.agno, 1);
  assert.equal(f.errno, 117);
  const w = classify('XFS (loop1): Failing async write on buffer block 0xa0080. Retrying async write.')!;
  assert.equal(w.blob.messageType, 'write-failure');
  assert.equal(w.blob.daddr, 0xa0080);
  assert.equal(w.blob.permanent, false);
  assert.equal(w.errno, null);
  const p = classify('XFS (loop1): Corruption Alert: Buffer at daddr 0xc0002 had permanent write failures!')!;
  assert.equal(p.blob.permanent, true);
  assert.equal(p.blob.agno, 3);
});

test('advisory, user-shutdown and info lines are no events; unknown XFS lines are', () => {
  for (const text of [
    'XFS (loop1): Unmount and run xfs_repair',
    'XFS (loop1): First 128 bytes of corrupted metadata buffer:',
    'XFS (loop1): Corruption detected. Unmount and run xfs_repair',
    'XFS (loop1): User initiated shutdown received.',
    'XFS (loop1): Please unmount the filesystem and rectify the problem(s)',
    'XFS (loop1): Uncorrected metadata errors detected; please run xfs_repair.',
    'XFS (loop1): Corruption warning: Metadata has LSN (1:2) ahead of current LSN (1:1). Please unmount and run xfs_repair (>= v4.3) to resolve.',
    'XFS (loop1): Mounting V5 Filesystem 1883b913-af05-490b-8225-6253099fbadd',
    'XFS (loop1): Ending clean mount',
    'XFS (loop1): Unmounting Filesystem 1883b913-af05-490b-8225-6253099fbadd',
    'XFS (loop1): Starting recovery (logdev: internal)',
  ]) {
    assert.equal(classify(text), null, text);
  }
  const u = classify('XFS (loop1): something new the kernel learned to say')!;
  assert.equal(u.blob.messageType, 'unknown');
  assert.equal(u.blob.message, 'something new the kernel learned to say');
  assert.deepEqual(u.subtypes, ['unknown']);
});

test('non-XFS lines are not claimed; user-written XFS lookalikes neither', () => {
  for (const text of [
    'EXT4-fs error (device loop0): trigger_test_error:129: comm bash: hello from test',
    'BTRFS error (device loop2): bdev /dev/loop2 errs: wr 1, rd 0, flush 0, corrupt 0, gen 0',
    '00000000: 49 4e f1 a4 03 02 00 00 00 00 00 00 00 00 00 00  IN..............',
    'SGI XFS with ACLs, security attributes, realtime, scrub, repair, quota, no debug enabled',
    // block-layer lines of a device that is not XFS belong to someone else
    'cat: attempt to access beyond end of device\nloop9: rw=4096, sector=655488, nr_sectors = 32 limit=614400',
  ]) {
    assert.equal(classify(text), null, text);
  }
  const user = { ...kmsgRecord('XFS (loop1): Metadata corruption detected at f+0x1/0x2, xfs_agf block 0x1 '), facility: 1 };
  assert.equal(xfsPlugin.classify(user, ctx), null);
});

test('block-layer lines on an XFS device: the only trace of a failed data read', () => {
  const d = classify('cat: attempt to access beyond end of device\nloop1: rw=4096, sector=655488, nr_sectors = 32 limit=614400')!;
  assert.equal(d.blob.messageType, 'block-io');
  assert.equal(d.blob.op, 'read');
  assert.equal(d.blob.daddr, 655488);
  assert.equal(d.blob.length, 32);
  assert.equal(d.blob.agno, 2);
  assert.equal(d.errno, 5);
  const w = classify('xfsaild/loop1: attempt to access beyond end of device\nloop1: rw=4097, sector=786433, nr_sectors = 1 limit=614400')!;
  assert.equal(w.blob.op, 'write');
  const r = classify('I/O error, dev loop1, sector 2048 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 2')!;
  assert.equal(r.blob.op, 'read');
  assert.equal(r.errno, 5);
  assert.equal(classify('critical medium error, dev loop1, sector 2048 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0')!.errno, 61);
});

test('ratelimit suppression lines count the errors that were never printed', () => {
  const d = classify('XFS: metadata IO error: 17 callbacks suppressed')!;
  assert.equal(d.blob.messageType, 'suppressed');
  assert.equal(d.count, 17);
  assert.equal(d.device, null);
  assert.equal(classify('EXT4-fs error: 990 callbacks suppressed'), null);
});

test('hex-dump lines parse to offset and bytes, and only as continuations', () => {
  const l = parseXfsLine('00000010: 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00  ................');
  assert.deepEqual(l, { kind: 'hexdump', offset: 16, hex: '00000001000000000000000000000000' });
});
