/**
 * The avsc edge for Avro object container files. Records inside a container block are concatenated
 * without length prefixes, so a reader must decode one value *at a position* and learn where it
 * ended; AvroType.fromBuffer (core/edges/avro.ts) insists on consuming a whole buffer. This file
 * reaches into the avsc type behind AvroType.raw for that one call, so no other file depends on avsc.
 * (The container framing itself — header, blocks, codecs — is fsfault's own code in
 * connectors/avro-file/, which lets errors name exact byte offsets.)
 */
import type { AvroResolver, AvroType } from './avro';

interface AvscDecoder {
  decode(buf: Buffer, pos: number, resolver?: unknown): { value: unknown; offset: number };
}

export type DecodeAt =
  | { ok: true; value: unknown; end: number }
  | { ok: false; reason: string };

/**
 * Decode one value of `type` starting at `pos` in `buf` (optionally through a resolver made by
 * `readerType.createResolver(writerType)`). Never throws: damaged bytes come back as a reason.
 */
export function decodeAt(type: AvroType, buf: Buffer, pos: number, resolver?: AvroResolver): DecodeAt {
  try {
    const r = (type.raw as AvscDecoder).decode(buf, pos, resolver);
    if (r.offset < 0) return { ok: false, reason: 'record runs past the end of the block' };
    return { ok: true, value: r.value, end: r.offset };
  } catch (e) {
    // avsc throws on e.g. an enum or union index out of range, or a long that does not fit a double.
    return { ok: false, reason: `undecodable record (${(e as Error).message})` };
  }
}
