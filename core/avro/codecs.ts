/**
 * Block codecs of the Avro container format. Compress never fails; decompress throws a plain Error
 * whose message is the reason, and the reader turns it into AVRO_FILE_CORRUPT with the block offset.
 *  - null:    data as is
 *  - deflate: raw DEFLATE (RFC 1951, no zlib header), as the spec requires
 *  - snappy:  snappy raw block followed by the CRC-32 (big-endian) of the *uncompressed* data
 *             (zlib.crc32, Node >= 20.15: IEEE 802.3, the checksum the spec names)
 */
import * as zlib from 'node:zlib';
import { snappyCompress, snappyDecompress } from './snappy';

export const CODEC_NAMES = ['null', 'deflate', 'snappy'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

export interface BlockCodec {
  compress(data: Buffer): Buffer;
  /** `maxLength` bounds the output so a damaged block cannot make the reader allocate gigabytes. */
  decompress(data: Buffer, maxLength: number): Buffer;
}

const CODECS: Record<CodecName, BlockCodec> = {
  null: {
    compress: (d) => d,
    decompress: (d) => d,
  },
  deflate: {
    compress: (d) => zlib.deflateRawSync(d),
    decompress: (d, max) => zlib.inflateRawSync(d, { maxOutputLength: max }),
  },
  snappy: {
    compress: (d) => {
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(d));
      return Buffer.concat([snappyCompress(d), crc]);
    },
    decompress: (d, max) => {
      if (d.length < 4) throw new Error('snappy block shorter than its CRC-32');
      const out = snappyDecompress(d.subarray(0, d.length - 4), max);
      const want = d.readUInt32BE(d.length - 4);
      const got = zlib.crc32(out);
      if (want !== got) throw new Error(`snappy CRC-32 mismatch (stored ${want.toString(16)}, computed ${got.toString(16)})`);
      return out;
    },
  },
};

export function isCodecName(s: string): s is CodecName {
  return (CODEC_NAMES as readonly string[]).includes(s);
}

export function blockCodec(name: CodecName): BlockCodec {
  return CODECS[name];
}
