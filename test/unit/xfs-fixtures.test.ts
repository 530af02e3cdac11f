/**
 * The real-kernel recordings (test/fixtures/xfs-*.jsonl, recorded by test/tools/xfs-record.ts on
 * Linux 6.18) through the plugin: every line is accounted for, hex dumps fold into the report
 * before them, repeated failures merge into a handful of events, and a shutdown kills the fs once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xfsPlugin } from '../../plugins/xfs';
import { contextFor, fold, loadFixture } from '../tools/xfs-replay';

const FIXTURES = ['shutdown', 'inode', 'dirblock', 'eio'];

test('every fixture line is read by the core reader and either classified, continued or ignored on purpose', () => {
  for (const name of FIXTURES) {
    const recs = loadFixture(name);
    assert.equal(recs[0]!.source, 'mount', `${name}: mount line first`);
    const f = fold(recs);
    for (const r of recs) {
      if (r.source !== 'kmsg') continue;
      // hex-dump lines never become events of their own
      if (/^[0-9a-f]{8}: /.test(r.text)) assert.equal(xfsPlugin.classify(r, contextFor(recs)), null, r.text);
    }
    const merged = f.events.reduce((n, e) => n + e.count, 0);
    assert.ok(f.events.length > 0, `${name}: at least one event`);
    assert.ok(merged >= f.events.length);
  }
});

test('xfs-shutdown: one terminal event, reason user, the advisory folded in; EIO probe is no event', () => {
  const recs = loadFixture('shutdown');
  const f = fold(recs);
  assert.equal(f.events.length, 1);
  const [e] = f.events;
  assert.equal(e!.blob!.messageType, 'shutdown');
  assert.equal(e!.blob!.shutdownFlags, 6);
  assert.equal(f.died, 'shutdown: user');
  assert.equal(f.continued, 1, '"Please unmount ..." continues the shutdown');
  const eio = recs.find((r) => r.source === 'ioctl' && r.failure === 'EIO');
  assert.ok(eio, 'the recording has the failed probe after the shutdown');
  assert.equal(xfsPlugin.classify(eio, contextFor(recs)), null);
});

test('xfs-inode: a dinode verifier in AG1 and a cluster verifier in AG2, each read twice, dumps folded', () => {
  const recs = loadFixture('inode');
  const f = fold(recs);
  const dinode = f.events.find((e) => e.blob!.structure === 'dinode')!;
  const cluster = f.events.find((e) => e.blob!.structure === 'xfs_inode')!;
  assert.equal(f.events.length, 2);
  assert.equal(dinode.blob!.agno, 1);
  assert.equal(dinode.inode, 262273);
  assert.equal(dinode.count, 2, 'stat, then the BULKSTAT probe re-read it');
  // the first 64 bytes of the dinode dump: magic "IN", the bad mode 0xf1a4
  assert.equal(dinode.blob!.dump, ['494ef1a4030200000000000000000000', '00000001000000000000000000000000', '36b75e180902525036b75e1809025250', '36b75e18090252500000000000000006'].join(''));
  assert.equal(dinode.blob!.dump!.length, 128);
  assert.equal(dinode.blob!.dumpBytes, 128);
  assert.equal(cluster.blob!.agno, 2);
  assert.equal(cluster.blob!.daddr, 0xa0080);
  assert.equal(cluster.blob!.length, 32, 'the I/O error line gave the buffer length');
  assert.equal(cluster.blob!.ioFunction, 'xfs_imap_to_bp');
  assert.deepEqual(cluster.blob!.agSick, ['inodes'], 'AG_GEOMETRY sick=INODES merged in (same AG, type, errno)');
  assert.equal(cluster.count, 3, 'two verifier failures + the newly sick AG flag; the paired I/O error lines are not counted again');
});

test('xfs-dirblock: seven ls/find rounds over one bad block give three events with large counts', () => {
  const recs = loadFixture('dirblock');
  const kmsgErrors = recs.filter((r) => r.source === 'kmsg' && r.text.startsWith('XFS (') && /Metadata|metadata I\/O/.test(r.text)).length;
  const f = fold(recs);
  assert.equal(f.events.length, 3);
  const reada = f.events.find((e) => e.blob!.readahead)!;
  const crc = f.events.find((e) => e.errno === 74)!;
  const health = f.events.find((e) => e.blob!.messageType === 'health')!;
  assert.equal(reada.count, 7);
  assert.equal(crc.count, 7);
  assert.equal(crc.blob!.metadataType, 'dir3_data');
  assert.equal(crc.blob!.daddr, 0x78);
  assert.equal(crc.blob!.length, 8);
  assert.equal(crc.blob!.ioFunction, 'xfs_da_read_buf');
  assert.equal(health.inode, 131);
  assert.deepEqual(health.blob!.inodeSick, ['dir']);
  assert.equal(health.count, 1, 'the second probe found no newly set flag');
  assert.ok(kmsgErrors >= 20, `the log had ${kmsgErrors} error lines`);
});

test('xfs-eio: write-back failures beyond the shrunk device merge per AG, then the unmount shutdown kills it', () => {
  const recs = loadFixture('eio');
  const f = fold(recs);
  assert.equal(f.died, 'shutdown: metadata-io-error');
  const blockAg2 = f.events.find((e) => e.blob!.messageType === 'block-io' && e.blob!.agno === 2)!;
  const blockAg3 = f.events.find((e) => e.blob!.messageType === 'block-io' && e.blob!.agno === 3)!;
  assert.equal(blockAg2.blob!.daddr, 655488);
  assert.equal(blockAg2.blob!.length, 64, 'sectors 655488+32 and 655520+32 joined');
  assert.equal(blockAg2.blob!.ranges.length, 1);
  assert.equal(blockAg2.blob!.function, '__xfs_buf_ioend', 'the XFS I/O error line merged into the block-layer event');
  assert.equal(blockAg3.count, 8);
  assert.ok(blockAg3.blob!.ranges.length <= 8);
  const writes = f.events.filter((e) => e.blob!.messageType === 'write-failure').reduce((n, e) => n + e.count, 0);
  assert.equal(writes, 9);
});
