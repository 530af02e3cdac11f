/**
 * The reader's fanotify event parser (native/src/fanotify.cc) on hand-built buffers laid out as
 * include/uapi/linux/fanotify.h describes: records in any order, unknown ones skipped, damage
 * reported as a loss rather than dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative } from '../../native/index';

const FS_ERROR = 0x8000;
const Q_OVERFLOW = 0x4000;

function header(type: number, len: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(type, 0);
  b.writeUInt16LE(len, 2);
  return b;
}

function fid(val0: number, val1: number, handleType: number, handle: Buffer): Buffer {
  const len = Math.ceil((20 + handle.length) / 4) * 4;
  const b = Buffer.alloc(len);
  header(1, len).copy(b, 0);
  b.writeUInt32LE(val0, 4);
  b.writeUInt32LE(val1, 8);
  b.writeUInt32LE(handle.length, 12);
  b.writeInt32LE(handleType, 16);
  handle.copy(b, 20);
  return b;
}

function error(err: number, count: number): Buffer {
  const b = Buffer.alloc(12);
  header(5, 12).copy(b, 0);
  b.writeInt32LE(err, 4);
  b.writeUInt32LE(count, 8);
  return b;
}

function unknown(type: number, len: number): Buffer {
  const b = Buffer.alloc(len, 0xee);
  header(type, len).copy(b, 0);
  return b;
}

function event(mask: number, pid: number, records: Buffer[]): Buffer {
  const body = Buffer.concat(records);
  const m = Buffer.alloc(24);
  m.writeUInt32LE(24 + body.length, 0);
  m.writeUInt8(3, 4);
  m.writeUInt16LE(24, 6);
  m.writeBigUInt64LE(BigInt(mask), 8);
  m.writeInt32LE(-1, 16);
  m.writeInt32LE(pid, 20);
  return Buffer.concat([m, body]);
}

const parse = (b: Buffer) => loadNative().parseFanotifyForTest(b);

test('superblock error: metadata, FID (type 255, no bytes), ERROR', () => {
  const [r, ...rest] = parse(event(FS_ERROR, 13074, [fid(0xeac057d4, 0x62e979d3, 255, Buffer.alloc(0)), error(117, 1)]));
  assert.deepEqual(rest, []);
  assert.deepEqual(r, { source: 'fanotify', mask: FS_ERROR, fsid: 'eac057d462e979d3', error: 117, errorCount: 1, handleType: 255, handle: '', pid: 13074, readAtUs: 0 });
});

test('records in another order, with pidfd and unknown records, are all found', () => {
  const ino = Buffer.from('0c00000078563412', 'hex');
  const [r] = parse(event(FS_ERROR, 7, [unknown(9, 8), error(-5, 3), unknown(4, 8) /* pidfd */, fid(1, 2, 1, ino)]));
  assert.equal(r!.source, 'fanotify');
  const f = r as { error: number; errorCount: number; handleType: number; handle: string; fsid: string };
  assert.equal(f.error, -5, 'the errno exactly as the kernel gave it');
  assert.equal(f.errorCount, 3);
  assert.equal(f.handleType, 1);
  assert.equal(f.handle, '0c00000078563412');
  assert.equal(f.fsid, '0000000100000002');
});

test('an odd-length handle (record padded to 4 bytes) is read to its handle_bytes exactly', () => {
  const h = Buffer.from('0102030405060708090a0b0c0d', 'hex'); // 13 bytes: record 33 → 36
  const [r] = parse(event(FS_ERROR, 1, [fid(0, 0, 129, h), error(117, 1)]));
  assert.equal((r as { handle: string }).handle, h.toString('hex'));
});

test('several events in one read, overflow in between', () => {
  const buf = Buffer.concat([
    event(FS_ERROR, 1, [fid(1, 1, 255, Buffer.alloc(0)), error(117, 1)]),
    event(Q_OVERFLOW, 0, []),
    event(FS_ERROR, 2, [error(74, 1), fid(1, 1, 255, Buffer.alloc(0))]),
  ]);
  const out = parse(buf);
  assert.deepEqual(
    out.map((r) => r.source),
    ['fanotify', 'loss', 'fanotify'],
  );
  assert.deepEqual(out[1], { source: 'loss', origin: 'fanotify', reason: 'fanotify-overflow', count: 1, device: null, readAtUs: 0 });
  assert.equal((out[2] as { error: number }).error, 74);
});

test('an FS_ERROR without its ERROR record, a bad record length or a truncated event is a counted loss', () => {
  const malformed = { source: 'loss', origin: 'fanotify', reason: 'fanotify-malformed', count: 1, device: null, readAtUs: 0 };
  assert.deepEqual(parse(event(FS_ERROR, 1, [fid(1, 1, 255, Buffer.alloc(0))])), [malformed]);
  assert.deepEqual(parse(event(FS_ERROR, 1, [header(5, 2), error(117, 1)])), [malformed]);
  const whole = event(FS_ERROR, 1, [fid(1, 1, 255, Buffer.alloc(0)), error(117, 1)]);
  assert.deepEqual(parse(whole.subarray(0, whole.length - 4)), [malformed]);
  assert.deepEqual(parse(Buffer.concat([whole, Buffer.alloc(10)])).map((r) => r.source), ['fanotify', 'loss'], 'trailing garbage');
  const handleTooLong = fid(1, 1, 1, Buffer.alloc(8));
  handleTooLong.writeUInt32LE(200, 12);
  assert.deepEqual(parse(event(FS_ERROR, 1, [handleTooLong, error(117, 1)])), [malformed]);
});
