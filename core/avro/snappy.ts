/**
 * Snappy raw format (the block format, not the framing format), as Avro's snappy codec uses it.
 * Written here rather than depended on: the decoder must reject damaged input with a reason instead
 * of reading out of bounds, and the encoder only needs the classic greedy 4-byte-hash matcher.
 *
 *   stream  := varint32(uncompressedLength) element*
 *   element := literal | copy1 | copy2 | copy4          (tag byte: low 2 bits = kind)
 *   literal := tag(len-1 << 2 | 0) [len-1 in 1..4 LE bytes when the 6-bit field is 60..63] bytes
 *   copy1   := tag((off>>8)<<5 | (len-4)<<2 | 1) off&0xff         len 4..11, off < 2048
 *   copy2   := tag((len-1)<<2 | 2) off:u16le                      len 1..64
 *   copy4   := tag((len-1)<<2 | 3) off:u32le
 */

export class SnappyError extends Error {}

const HASH_BITS = 14;
const MAX_OFFSET = 65535;

function hash(u32: number): number {
  return Math.imul(u32, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

export function snappyCompress(input: Buffer): Buffer {
  const n = input.length;
  const out = Buffer.allocUnsafe(32 + n + Math.ceil(n / 6));
  let op = 0;
  // Preamble: unsigned varint of the uncompressed length.
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      out[op++] = v;
      break;
    }
    out[op++] = (v % 128) | 0x80;
  }
  const emitLiteral = (from: number, to: number) => {
    const len = to - from;
    if (len === 0) return;
    const l = len - 1;
    if (l < 60) {
      out[op++] = l << 2;
    } else {
      // Tag 60..63: the length-1 follows in 1..4 little-endian bytes.
      const nb = l < 0x100 ? 1 : l < 0x10000 ? 2 : l < 0x1000000 ? 3 : 4;
      out[op++] = (59 + nb) << 2;
      out.writeUIntLE(l, op, nb);
      op += nb;
    }
    input.copy(out, op, from, to);
    op += len;
  };
  const emitCopy2 = (offset: number, len: number) => {
    out[op++] = ((len - 1) << 2) | 2;
    out.writeUInt16LE(offset, op);
    op += 2;
  };
  const emitCopy = (offset: number, len: number) => {
    // Split long matches so the remainder is never shorter than 4 (copy1's minimum).
    for (; len >= 68; len -= 64) emitCopy2(offset, 64);
    if (len > 64) {
      emitCopy2(offset, 60);
      len -= 60;
    }
    if (len <= 11 && offset < 2048) {
      out[op++] = ((offset >> 8) << 5) | ((len - 4) << 2) | 1;
      out[op++] = offset & 0xff;
    } else emitCopy2(offset, len);
  };

  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let lit = 0;
  let ip = 0;
  while (ip + 4 <= n) {
    const cur = input.readUInt32LE(ip);
    const h = hash(cur);
    const cand = table[h]!;
    table[h] = ip;
    if (cand >= 0 && ip - cand <= MAX_OFFSET && input.readUInt32LE(cand) === cur) {
      let len = 4;
      while (ip + len < n && input[cand + len] === input[ip + len]) len++;
      emitLiteral(lit, ip);
      emitCopy(ip - cand, len);
      ip += len;
      lit = ip;
      // Seed the table just before the new position so the next match can start right away.
      if (ip - 1 + 4 <= n) table[hash(input.readUInt32LE(ip - 1))] = ip - 1;
    } else ip++;
  }
  emitLiteral(lit, n);
  return Buffer.from(out.subarray(0, op));
}

/** Decompress; `maxLength` bounds the allocation a damaged length preamble could ask for. */
export function snappyDecompress(input: Buffer, maxLength = 1 << 30): Buffer {
  let ip = 0;
  let len = 0;
  for (let shift = 1; ; shift *= 128) {
    if (ip >= input.length || shift > 128 ** 4) throw new SnappyError('truncated length preamble');
    const b = input[ip++]!;
    len += (b & 0x7f) * shift;
    if (!(b & 0x80)) break;
  }
  if (len > maxLength) throw new SnappyError(`uncompressed length ${len} exceeds the limit ${maxLength}`);
  const out = Buffer.alloc(len);
  let op = 0;
  const need = (k: number) => {
    if (ip + k > input.length) throw new SnappyError(`element at byte ${ip} runs past the end`);
  };
  while (ip < input.length) {
    const tag = input[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let l = tag >> 2;
      if (l >= 60) {
        const nb = l - 59;
        need(nb);
        l = input.readUIntLE(ip, nb);
        ip += nb;
      }
      l += 1;
      need(l);
      if (op + l > len) throw new SnappyError('literal overflows the declared length');
      input.copy(out, op, ip, ip + l);
      ip += l;
      op += l;
      continue;
    }
    let l: number;
    let off: number;
    if (kind === 1) {
      need(1);
      l = ((tag >> 2) & 7) + 4;
      off = ((tag >> 5) << 8) | input[ip++]!;
    } else if (kind === 2) {
      need(2);
      l = (tag >> 2) + 1;
      off = input.readUInt16LE(ip);
      ip += 2;
    } else {
      need(4);
      l = (tag >> 2) + 1;
      off = input.readUInt32LE(ip);
      ip += 4;
    }
    if (off === 0 || off > op) throw new SnappyError(`copy offset ${off} out of range at output byte ${op}`);
    if (op + l > len) throw new SnappyError('copy overflows the declared length');
    // Byte by byte: a copy may overlap its own output (run-length style).
    for (let i = 0; i < l; i++, op++) out[op] = out[op - off]!;
  }
  if (op !== len) throw new SnappyError(`decoded ${op} bytes, header says ${len}`);
  return out;
}
