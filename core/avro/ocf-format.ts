/**
 * Avro object container file framing (Avro 1.11 spec, "Object Container Files"):
 *
 *   file   := header block*
 *   header := "Obj" 0x01  meta:map<bytes>  sync:fixed(16)
 *   block  := count:long  size:long  data:bytes(size, compressed by avro.codec)  sync:fixed(16)
 *
 * A map is a series of blocks `count:long (entries)` ending with count 0; a negative count is
 * followed by the block's byte size (writers may use it; this writer never does).
 */
import { encodeBytes, encodeLong } from './binary';

export const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
export const SYNC_SIZE = 16;

export function encodeHeader(meta: ReadonlyMap<string, Buffer>, sync: Buffer): Buffer {
  const parts: Buffer[] = [MAGIC];
  if (meta.size > 0) {
    parts.push(encodeLong(meta.size));
    for (const [k, v] of meta) parts.push(encodeBytes(Buffer.from(k, 'utf8')), encodeBytes(v));
  }
  parts.push(encodeLong(0), sync);
  return Buffer.concat(parts);
}

export function encodeBlock(count: number, compressed: Buffer, sync: Buffer): Buffer {
  return Buffer.concat([encodeLong(count), encodeLong(compressed.length), compressed, sync]);
}
