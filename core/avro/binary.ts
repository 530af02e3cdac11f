/**
 * Avro's binary primitives that the container framing needs: zig-zag varint longs, length-prefixed
 * bytes/strings. Plain arithmetic instead of bit operators because offsets and sizes can exceed
 * 32 bits; exact for |n| < 2^52 (block counts, sizes and map lengths are far smaller).
 */

/** Zig-zag varint encoding of a safe integer. */
export function encodeLong(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}

export type ReadLong = { value: number; end: number } | null;

/** Decode a zig-zag varint at `pos`; null when the buffer ends first or the value is not a safe integer. */
export function decodeLong(buf: Buffer, pos: number): ReadLong {
  let z = 0;
  let mul = 1;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i]!;
    z += (b & 0x7f) * mul;
    if (!(b & 0x80)) {
      // z may exceed 2^53 by one bit (zig-zag doubles); the decoded value must be safe.
      if (z > 2 ** 54) return null;
      const value = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      return Number.isSafeInteger(value) ? { value, end: i + 1 } : null;
    }
    mul *= 0x80;
  }
  return null;
}

export function encodeBytes(b: Buffer): Buffer {
  return Buffer.concat([encodeLong(b.length), b]);
}
