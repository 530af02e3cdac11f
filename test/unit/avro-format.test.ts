import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { snappyCompress, snappyDecompress, SnappyError } from '../../core/avro/snappy';
import { decodeLong, encodeLong } from '../../core/avro/binary';
import { blockCodec, CODEC_NAMES } from '../../core/avro/codecs';
import { OcfWriter } from '../../core/avro/ocf-writer';
import { OcfReader } from '../../core/avro/ocf-reader';
import { isFsfaultError } from '../../core/errors';
import { ev, setup } from './helpers-avro/fixtures';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-avro-fmt-'));

test('a snappy block ends with the big-endian IEEE CRC-32 of the uncompressed data (check value)', () => {
  const block = blockCodec('snappy').compress(Buffer.from('123456789'));
  assert.equal(block.readUInt32BE(block.length - 4), 0xcbf43926);
  assert.equal(blockCodec('snappy').decompress(block, 100).toString(), '123456789');
});

test('zig-zag longs round trip, including values past 32 bits', () => {
  for (const n of [0, -1, 1, 63, -64, 64, 300, -300, 2 ** 31, -(2 ** 31) - 5, 2 ** 40 + 7, 2 ** 52 - 1, -(2 ** 52)]) {
    const b = encodeLong(n);
    assert.deepEqual(decodeLong(b, 0), { value: n, end: b.length });
  }
  assert.deepEqual([...encodeLong(-1)], [1]);
  assert.deepEqual([...encodeLong(64)], [0x80, 0x01]);
  assert.equal(decodeLong(Buffer.from([0x80, 0x80]), 0), null);
});

test('snappy round trips text, random, repetitive and empty data, and compresses repetition', () => {
  const samples = [
    Buffer.alloc(0),
    Buffer.from('a'),
    Buffer.from('abcabcabcabcabcabcabcabc'),
    Buffer.from('EXT4-fs error (device loop0): ext4_lookup:1785: inode #12: comm ls: deleted inode referenced\n'.repeat(500)),
    Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)),
    randomBytes(100_000),
    Buffer.alloc(300_000, 0x41),
  ];
  for (const s of samples) {
    const c = snappyCompress(s);
    assert.deepEqual(snappyDecompress(c), s);
  }
  assert.ok(snappyCompress(samples[3]!).length < samples[3]!.length / 10);
});

test('snappy decoder rejects damage with a reason instead of reading out of bounds', () => {
  const c = snappyCompress(Buffer.from('hello hello hello hello hello hello'));
  assert.throws(() => snappyDecompress(c.subarray(0, c.length - 3)), SnappyError);
  assert.throws(() => snappyDecompress(Buffer.from([10, 0x01 | (2 << 2), 5])), /offset/); // copy before any output
  assert.throws(() => snappyDecompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 1000), /exceeds/);
});

for (const codec of CODEC_NAMES) {
  test(`container file round trip with codec ${codec}: header, blocks, records`, async () => {
    const s = setup();
    const events = Array.from({ length: 25 }, (_, i) => ev({ count: i + 1, type: i % 2 ? 'xfs' : 'ext4' }));
    const file = path.join(tmp(), 'x.avro');
    const w = await OcfWriter.create(file, { schemaText: s.schema.text, codec, blockRecords: 10, meta: { 'fsfault.fingerprint': s.schema.fingerprint } });
    for (const e of events) await w.append(s.codec.encode(e));
    await w.finish();

    const r = OcfReader.open(file);
    assert.equal(r.header.codec, codec);
    assert.equal(r.header.meta.get('fsfault.fingerprint')?.toString(), s.schema.fingerprint);
    assert.equal(r.header.sync.length, 16);
    assert.deepEqual([...r.blocks()].map((b) => b.count), [10, 10, 5]);
    const got = [...r.records(s.schema.type)].map((x) => s.codec.fromRecord(x as Record<string, unknown>));
    r.close();
    assert.deepEqual(got, events);
  });
}

test('each file gets its own random sync marker', async () => {
  const s = setup();
  const d = tmp();
  const syncs = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const w = await OcfWriter.create(path.join(d, `${i}.avro`), { schemaText: s.schema.text, codec: 'null', blockRecords: 5 });
    await w.finish();
    syncs.add(w.sync.toString('hex'));
  }
  assert.equal(syncs.size, 3);
});

test('truncation and corruption are AVRO_FILE_CORRUPT naming the file and the byte offset', async () => {
  const s = setup();
  const d = tmp();
  const file = path.join(d, 'good.avro');
  const w = await OcfWriter.create(file, { schemaText: s.schema.text, codec: 'snappy', blockRecords: 4 });
  for (let i = 0; i < 10; i++) await w.append(s.codec.encode(ev()));
  await w.finish();
  const bytes = fs.readFileSync(file);
  const r0 = OcfReader.open(file);
  const blocks = [...r0.blocks()];
  r0.close();
  const second = blocks[1]!.offset;

  const readAll = (f: string) => {
    const r = OcfReader.open(f);
    try {
      return [...r.records()].length;
    } finally {
      r.close();
    }
  };
  const expectCorrupt = (name: string, data: Buffer, offset: number | null, re: RegExp) => {
    const f = path.join(d, name);
    fs.writeFileSync(f, data);
    assert.throws(
      () => readAll(f),
      (e: unknown) => {
        assert.ok(isFsfaultError(e, 'AVRO_FILE_CORRUPT'), String(e));
        assert.ok(e.message.includes(f), e.message);
        assert.match(e.message, re);
        if (offset !== null) assert.equal(e.details.offset, offset, e.message);
        return true;
      },
    );
  };
  expectCorrupt('trunc.avro', bytes.subarray(0, second + 10), second, /truncated block/);
  expectCorrupt('header.avro', bytes.subarray(0, 30), null, /truncated header/);
  expectCorrupt('magic.avro', Buffer.from('PAR1 not avro at all'), 0, /bad magic/);
  const flipped = Buffer.from(bytes);
  flipped[second + 8] = flipped[second + 8]! ^ 0xff; // inside the compressed data of block 2
  expectCorrupt('flip.avro', flipped, second, /at byte/);
  const badSync = Buffer.from(bytes);
  badSync[bytes.length - 1] = badSync[bytes.length - 1]! ^ 1;
  expectCorrupt('sync.avro', badSync, bytes.length - 16, /sync marker/);
});

test('a damaged string in a null-codec file is AVRO_FILE_CORRUPT at its byte offset, not a good event with mangled text', async () => {
  const s = setup();
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-utf8-'));
  try {
    const file = path.join(d, 'nine.avro');
    const w = await OcfWriter.create(file, { schemaText: s.schema.text, codec: 'null', blockRecords: 100 });
    for (let i = 0; i < 9; i++) await w.append(s.codec.encode({ ...ev(), host: `host-with-a-name-${i}` }));
    await w.finish();
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf('host-with-a-name-4');
    assert.ok(at > 0);
    const damaged = Buffer.from(bytes);
    damaged[at + 5] = 0xff; // not UTF-8: a flipped byte on disk, nothing else changed
    const f = path.join(d, 'damaged.avro');
    fs.writeFileSync(f, damaged);
    const r = OcfReader.open(f);
    try {
      assert.throws(
        () => [...r.records()],
        (e: unknown) => {
          assert.ok(isFsfaultError(e, 'AVRO_FILE_CORRUPT'), String(e));
          assert.equal(e.details.offset, at, 'the offset of the damaged string');
          assert.match(e.message, /record 5 of 9 .*host is not valid UTF-8/);
          return true;
        },
      );
    } finally {
      r.close();
    }
    // The intact file reads all nine; valid multi-byte UTF-8 passes.
    const file2 = path.join(d, 'utf8.avro');
    const w2 = await OcfWriter.create(file2, { schemaText: s.schema.text, codec: 'null', blockRecords: 100 });
    await w2.append(s.codec.encode({ ...ev(), host: 'hôte-日本-🙂' }));
    await w2.finish();
    for (const fname of [file, file2]) {
      const ok = OcfReader.open(fname);
      try {
        assert.ok([...ok.records()].length >= 1);
      } finally {
        ok.close();
      }
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
