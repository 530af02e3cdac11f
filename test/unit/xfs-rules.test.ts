/**
 * The merge rule (AG + metadata type + errno; masks OR; daddr ranges join; bounded blob), the died
 * rule for each kind of shutdown, and the continuation rule for lines that only complete a report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FsEvent } from '../../core/plugin-api';
import type { XfsBlob } from '../../plugins/xfs';
import { xfsPlugin } from '../../plugins/xfs';
import { emptyBlob, RANGE_CAP } from '../../plugins/xfs/blob';
import { joinRanges, mergeCopy, spanOf } from '../../plugins/xfs/merge';
import fc from 'fast-check';
import { shutdownReason } from '../../plugins/xfs/terminal';
import { kmsgRecord } from '../tools/xfs-replay';

function event(blob: Partial<XfsBlob>, errno: number | null = 117): FsEvent<XfsBlob> {
  return {
    id: '1', host: 'h', kind: 'ERROR', fs: { type: 'xfs', device: 'loop0', majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null },
    errno, errnoName: null, count: 1, firstSeen: 1, lastSeen: 1, sources: ['kmsg'], subtypes: 1, inode: null, handleType: null, handle: null, path: null,
    plugin: 'xfs', blob: { ...emptyBlob('verifier', 'loop0'), ...blob }, lost: null, death: null,
  };
}

test('merge key: same AG, metadata type and errno; shutdowns never merge; unknown lines by text', () => {
  const k = (b: Partial<XfsBlob>, errno: number | null = 117) => xfsPlugin.mergeKey(event(b, errno));
  assert.equal(k({ agno: 2, metadataType: 'inode' }), k({ agno: 2, metadataType: 'inode', messageType: 'health' }));
  assert.notEqual(k({ agno: 2, metadataType: 'inode' }), k({ agno: 3, metadataType: 'inode' }));
  assert.notEqual(k({ agno: 2, metadataType: 'inode' }), k({ agno: 2, metadataType: 'agi' }));
  assert.notEqual(k({ agno: 2, metadataType: 'dir3_data' }, 117), k({ agno: 2, metadataType: 'dir3_data' }, 74));
  assert.equal(k({ messageType: 'shutdown' }), null);
  assert.equal(k({ messageType: 'unknown', message: 'a' }), k({ messageType: 'unknown', message: 'a' }));
  assert.notEqual(k({ messageType: 'unknown', message: 'a' }), k({ messageType: 'unknown', message: 'b' }));
});

test('merge: masks OR, first detail kept, adjacent and overlapping ranges join, span is min start to max end', () => {
  const a = { ...emptyBlob('verifier', 'loop0'), agSick: ['inodes'], function: 'first', ranges: [{ daddr: 100, length: 8 }], daddr: 100, length: 8, inodes: [5] };
  const b = { ...emptyBlob('health', 'loop0'), agSick: ['agi', 'inodes'], function: 'second', ranges: [{ daddr: 108, length: 8 }], inodes: [5, 6] };
  const m = xfsPlugin.merge(a, b);
  assert.deepEqual(m.agSick, ['inodes', 'agi']);
  assert.equal(m.function, 'first');
  assert.deepEqual(m.ranges, [{ daddr: 100, length: 16 }]);
  assert.equal(m.daddr, 100);
  assert.equal(m.length, 16);
  assert.deepEqual(m.inodes, [5, 6]);
  assert.deepEqual(a.ranges, [{ daddr: 100, length: 8 }], 'inputs are not mutated');
  const far = xfsPlugin.merge(m, { ...emptyBlob('verifier', 'loop0'), ranges: [{ daddr: 500, length: 4 }] });
  assert.deepEqual(far.ranges, [{ daddr: 100, length: 16 }, { daddr: 500, length: 4 }]);
  assert.equal(far.daddr, 100);
  assert.equal(far.length, 404);
});

test('merge stays bounded: 10,000 scattered failures keep at most 8 ranges and 8 inodes, and the span', () => {
  let blob: XfsBlob = { ...emptyBlob('verifier', 'loop0'), ranges: [{ daddr: 0, length: 1 }], daddr: 0, length: 1 };
  const size0 = JSON.stringify(blob).length;
  for (let i = 1; i <= 10_000; i++) {
    blob = xfsPlugin.merge(blob, { ...emptyBlob('verifier', 'loop0'), ranges: [{ daddr: i * 1000, length: 8 }], inodes: [i], inode: i });
  }
  assert.ok(blob.ranges.length <= RANGE_CAP);
  assert.equal(blob.inodes.length, 8);
  assert.equal(blob.inode, 1);
  assert.equal(blob.daddr, 0);
  assert.equal(blob.length, 10_000 * 1000 + 8);
  assert.ok(JSON.stringify(blob).length < size0 + 600, `blob grew to ${JSON.stringify(blob).length} bytes`);
});

test('joinRanges: point ranges at the same start join; over the cap the closest neighbours join', () => {
  assert.deepEqual(joinRanges([{ daddr: 10, length: 0 }], [{ daddr: 10, length: 8 }]), [{ daddr: 10, length: 8 }]);
  const many = Array.from({ length: 12 }, (_, i) => ({ daddr: i * 100 + (i === 5 ? -95 : 0), length: 1 }));
  const j = joinRanges(many, []);
  assert.equal(j.length, RANGE_CAP);
  assert.equal(j[0]!.daddr, 0);
  assert.equal(j[j.length - 1]!.daddr + j[j.length - 1]!.length, 1101);
});

test('died: one reason per shutdown kind, flags before text; advisory lines are not terminal', () => {
  const line = (reason: string, flags: string) =>
    xfsPlugin.classify(kmsgRecord(`XFS (loop0): ${reason} (0x${flags}) detected at f+0x1/0x2 (fs/xfs/x.c:1).  Shutting down filesystem.`), {
      mountByDevice: () => undefined, mountByFsid: () => undefined, fanotifyWatched: () => false, fsGeometry: () => undefined,
    });
  const reasonOf = (reason: string, flags: string) => xfsPlugin.terminal(event(line(reason, flags)!.blob, null));
  assert.equal(reasonOf('Log I/O Error', '6'), 'shutdown: user'); // xfs_io -x -c shutdown
  assert.equal(reasonOf('Metadata I/O Error', '4'), 'shutdown: user'); // GOINGDOWN with log flush
  assert.equal(reasonOf('Log I/O Error', '2'), 'shutdown: log-io-error');
  assert.equal(reasonOf('Corruption of in-memory data', '8'), 'shutdown: corruption');
  assert.equal(reasonOf('Corruption of on-disk metadata', '10'), 'shutdown: ondisk-corruption');
  assert.equal(reasonOf('Block device removal', '20'), 'shutdown: device-removed');
  assert.equal(reasonOf('Metadata I/O Error', '1'), 'shutdown: metadata-io-error');
  assert.equal(shutdownReason(0, 'Corruption of in-memory data'), 'shutdown: corruption');
  assert.equal(shutdownReason(0, null), 'shutdown: unknown');
  assert.equal(xfsPlugin.terminal(event({ messageType: 'verifier' })), null);
  assert.equal(xfsPlugin.terminal(event({ messageType: 'unknown', message: 'Please unmount the filesystem and rectify the problem(s)' })), null);
});

test('continuation: dump lines fold into the report before them, bounded to 64 bytes, contiguous only', () => {
  const ctx = { mountByDevice: () => undefined, mountByFsid: () => undefined, fanotifyWatched: () => false, fsGeometry: () => undefined };
  const v = xfsPlugin.classify(kmsgRecord('XFS (loop0): Metadata corruption detected at __xfs_buf_ioend+0x185/0x580, xfs_inode block 0xa0080 xfs_inode_buf_verify', 1), ctx)!;
  const prev = event(v.blob);
  const c = (text: string) => xfsPlugin.continuation(kmsgRecord(text), prev);
  assert.deepEqual(c('XFS (loop0): Unmount and run xfs_repair'), prev.blob);
  assert.equal(c('XFS (loop0): First 128 bytes of corrupted metadata buffer:')!.dumpBytes, 128);
  const row = (off: number) => `${off.toString(16).padStart(8, '0')}: 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff  ................`;
  for (let off = 0; off < 128; off += 16) {
    const b = c(row(off))!;
    assert.ok(b, 'every dump row is consumed');
    prev.blob = b;
  }
  assert.equal(prev.blob!.dump, '00112233445566778899aabbccddeeff'.repeat(4));
  // the paired I/O error line: same buffer, same errno → detail, not a second error
  const io = c('XFS (loop0): metadata I/O error in "xfs_imap_to_bp+0x5c/0xe0" at daddr 0xa0080 len 32 error 117')!;
  assert.equal(io.ioFunction, 'xfs_imap_to_bp');
  assert.equal(io.length, 32);
  // not continuations: another device, another buffer, another errno, a new report
  assert.equal(c('XFS (loop1): Unmount and run xfs_repair'), null);
  assert.equal(c('XFS (loop0): metadata I/O error in "xfs_imap_to_bp+0x5c/0xe0" at daddr 0xb0080 len 32 error 117'), null);
  assert.equal(c('XFS (loop0): metadata I/O error in "xfs_imap_to_bp+0x5c/0xe0" at daddr 0xa0080 len 32 error 5'), null);
  assert.equal(c('XFS (loop0): Metadata corruption detected at __xfs_buf_ioend+0x185/0x580, xfs_inode block 0xa0080 xfs_inode_buf_verify'), null);
  // a dump after a report that has none (a block-layer line) is not claimed
  assert.equal(xfsPlugin.continuation(kmsgRecord(row(0)), event({ messageType: 'block-io' })), null);
  // the shutdown advice continues the shutdown
  assert.ok(xfsPlugin.continuation(kmsgRecord('XFS (loop0): Please unmount the filesystem and rectify the problem(s)'), event({ messageType: 'shutdown' })));
});

test('merge: the no-copy answer (a merge that adds nothing returns `into` itself) equals the merge rule on a copy, for any pair of blobs', () => {
  // Small domains, so that pairs that add nothing (the flood's case) and pairs that add one field
  // are both common; ranges may be unjoined or past the cap, fields null, undefined or set.
  const opt = <T>(a: fc.Arbitrary<T>) => fc.oneof(fc.constant(null), fc.constant(undefined), a);
  const names = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 });
  const range = fc.record({ daddr: fc.integer({ min: 0, max: 40 }), length: fc.integer({ min: 0, max: 12 }) });
  const blob = fc
    .record({
      ranges: fc.array(range, { maxLength: RANGE_CAP + 2 }),
      inode: opt(fc.integer({ min: 1, max: 3 })),
      inodes: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
      readahead: fc.boolean(),
      permanent: fc.boolean(),
      fsSick: names,
      agChecked: names,
      shutdownFlagNames: names,
      structure: opt(fc.constantFrom('x', 'y')),
      dump: opt(fc.constantFrom('00', '01')),
      message: opt(fc.constantFrom('m', 'n')),
      spanned: fc.boolean(),
    })
    .map(({ spanned, ...b }) => {
      // structuredClone: plain objects (fast-check's records have no prototype; blobs do).
      const out = structuredClone({ ...emptyBlob('verifier', 'loop0'), ...b }) as XfsBlob;
      if (spanned) spanOf(out);
      return out;
    });
  // `b` is another blob, or (the flood's case) a copy of `a` with some of its detail dropped.
  const pair = fc.tuple(blob, blob, fc.boolean(), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 })).map(([a, other, derived, drop]) => {
    if (!derived) return [a, other] as const;
    const b = structuredClone(a);
    if (drop[0]) b.ranges = [];
    if (drop[1]) b.inodes = [];
    if (drop[2]) b.fsSick = a.fsSick.length < 3 && !a.fsSick.includes('c') ? ['c'] : [];
    if (drop[3]) b.structure = null;
    if (drop[4]) b.dump = null;
    if (drop[5]) b.readahead = !a.readahead;
    if (drop[6]) b.permanent = !a.permanent;
    if (drop[7]) b.inode = a.inode === 1 ? 2 : null;
    return [a, b] as const;
  });
  let same = 0;
  fc.assert(
    fc.property(pair, ([a, b]) => {
      const before = structuredClone(a);
      const got = xfsPlugin.merge(a, b);
      if (got === a) same++;
      assert.deepStrictEqual(got, mergeCopy(structuredClone(before), b));
      assert.deepStrictEqual(a, before, 'merge mutated into');
    }),
    { numRuns: 3000, seed: 11 },
  );
  // The case the fast answer exists for must actually be exercised.
  assert.ok(same > 100, `only ${same} of 3000 pairs took the no-copy answer`);
});
