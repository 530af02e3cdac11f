/**
 * Reads Avro container files written by anyone (fsfault, fastavro, Java ...) and validates every
 * step, so damage is reported as AVRO_FILE_CORRUPT naming the file and the byte offset where it
 * starts, never as a crash or a silent short read. Synchronous and block-at-a-time: the CLI
 * commands that use it (report, tests) read files one after another and never hold a whole file.
 */
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { FsfaultError } from '../errors';
import { parseAvroSchema, type AvroResolver, type AvroType } from '../edges/avro';
import { decodeAt } from '../edges/avro-container';
import { decodeLong } from './binary';
import { blockCodec, isCodecName, type CodecName } from './codecs';
import { MAGIC, SYNC_SIZE } from './ocf-format';
import { BadString, compileUtf8Check } from './utf8-check';

/** Upper bounds that keep a damaged length field from exhausting memory. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const MAX_BLOCK_BYTES = 512 * 1024 * 1024;

export interface OcfHeader {
  schemaText: string;
  type: AvroType;
  codec: CodecName;
  meta: ReadonlyMap<string, Buffer>;
  sync: Buffer;
  /** Byte offset of the first block. */
  dataStart: number;
}

export interface OcfBlock {
  /** Byte offset of the block's first byte (its record count). */
  offset: number;
  /** Byte offset of the block's (compressed) data in the file. */
  dataOffset: number;
  count: number;
  /** Decompressed record bytes. */
  data: Buffer;
}

export function corrupt(file: string, offset: number, reason: string, cause?: unknown): FsfaultError {
  return new FsfaultError('AVRO_FILE_CORRUPT', `${file}: corrupt Avro container at byte ${offset}: ${reason}`, {
    details: { file, offset },
    cause,
  });
}

export class OcfReader {
  readonly header: OcfHeader;
  readonly size: number;
  private fd: number;

  private constructor(readonly file: string) {
    try {
      this.fd = fs.openSync(file, 'r');
      this.size = fs.fstatSync(this.fd).size;
    } catch (e) {
      throw new FsfaultError('AVRO_FILE_CORRUPT', `${file}: cannot be read: ${(e as Error).message}`, { details: { file, offset: 0 }, cause: e });
    }
    try {
      this.header = this.readHeader();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  static open(file: string): OcfReader {
    return new OcfReader(file);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Decompressed blocks in file order. Throws AVRO_FILE_CORRUPT at the first damaged one. */
  *blocks(): Generator<OcfBlock> {
    const codec = blockCodec(this.header.codec);
    let pos = this.header.dataStart;
    while (pos < this.size) {
      const start = pos;
      const head = this.read(pos, Math.min(20, this.size - pos));
      const c = decodeLong(head, 0);
      const s = c && decodeLong(head, c.end);
      if (!c || !s) throw corrupt(this.file, start, 'truncated or invalid block header');
      if (c.value < 0 || s.value < 0) throw corrupt(this.file, start, `negative block count/size (${c.value}/${s.value})`);
      pos += s.end;
      if (s.value > MAX_BLOCK_BYTES) throw corrupt(this.file, start, `block size ${s.value} exceeds ${MAX_BLOCK_BYTES}`);
      if (pos + s.value + SYNC_SIZE > this.size) {
        throw corrupt(this.file, start, `truncated block: needs ${s.value + SYNC_SIZE} bytes after byte ${pos}, file has ${this.size - pos}`);
      }
      const body = this.read(pos, s.value + SYNC_SIZE);
      if (!body.subarray(s.value).equals(this.header.sync)) throw corrupt(this.file, pos + s.value, 'sync marker mismatch');
      let data: Buffer;
      try {
        data = codec.decompress(body.subarray(0, s.value), MAX_BLOCK_BYTES);
      } catch (e) {
        throw corrupt(this.file, start, `${this.header.codec} block does not decompress: ${(e as Error).message}`, e);
      }
      // Every record fsfault reads (events, agent records) takes at least one byte: a count beyond
      // the block's bytes is damage, and trusting it would have a reader loop (and allocate) for a
      // varint's worth of records (found by the fuzzer: a count of 174,895,934 in a tiny block).
      if (c.value > data.length) throw corrupt(this.file, start, `block claims ${c.value} records in ${data.length} bytes`);
      yield { offset: start, dataOffset: pos, count: c.value, data };
      pos += s.value + SYNC_SIZE;
    }
  }

  /**
   * Records decoded with the file's own schema (or through `resolver` into a reader type). The
   * callback form keeps the block offset at hand for error messages.
   */
  *records(readerType?: AvroType): Generator<unknown> {
    const type = readerType ?? this.header.type;
    const resolver: AvroResolver | undefined = readerType ? readerType.createResolver(this.header.type) : undefined;
    const strict = this.utf8Check();
    for (const b of this.blocks()) {
      let p = 0;
      for (let i = 0; i < b.count; i++) {
        let walked = 0;
        try {
          // The walk first: it bounds array and map counts by the bytes left, which avsc does not.
          walked = strict ? strict(b.data, p) : 0;
        } catch (e) {
          if (!(e instanceof BadString)) throw e;
          // null codec: the block's bytes are the file's, so the exact file offset is known.
          const at = this.header.codec === 'null' ? b.dataOffset + e.at : b.offset;
          throw corrupt(this.file, at, `record ${i + 1} of ${b.count} in the block: ${e.message}`);
        }
        if (walked < 0) throw corrupt(this.file, b.offset, `record ${i + 1} of ${b.count} in the block: record runs past the end of the block`);
        const r = decodeAt(type, b.data, p, resolver);
        if (!r.ok) throw corrupt(this.file, b.offset, `record ${i + 1} of ${b.count} in the block: ${r.reason}`);
        p = r.end;
        yield r.value;
      }
      if (p !== b.data.length) throw corrupt(this.file, b.offset, `block holds ${b.data.length - p} bytes after its ${b.count} records`);
    }
  }

  /** The strict-UTF-8 walk of the writer schema (utf8-check.ts), compiled once per file. */
  private utf8Check(): ((buf: Buffer, pos: number) => number) | null {
    return compileUtf8Check(JSON.parse(this.header.schemaText));
  }

  private read(pos: number, n: number): Buffer {
    const buf = Buffer.alloc(n);
    let got = 0;
    try {
      while (got < n) {
        const k = fs.readSync(this.fd, buf, got, n - got, pos + got);
        if (k === 0) break;
        got += k;
      }
    } catch (e) {
      throw corrupt(this.file, pos + got, `read failed: ${(e as Error).message}`, e);
    }
    return got === n ? buf : buf.subarray(0, got);
  }

  private readHeader(): OcfHeader {
    const f = this.file;
    const head = this.read(0, Math.min(this.size, MAX_HEADER_BYTES));
    if (head.length < MAGIC.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw corrupt(f, 0, 'not an Avro object container file (bad magic)');
    }
    // A length field that points past the end: the damage is where the file ends (found by fuzzing:
    // the offset named a byte the file does not have).
    const short = (at: number) =>
      corrupt(f, Math.min(at, head.length), head.length < this.size ? `header larger than ${MAX_HEADER_BYTES} bytes` : 'truncated header');
    const meta = new Map<string, Buffer>();
    let p = MAGIC.length;
    for (;;) {
      const c = decodeLong(head, p);
      if (!c) throw short(p);
      p = c.end;
      if (c.value === 0) break;
      let n = c.value;
      if (n < 0) {
        const skip = decodeLong(head, p); // block byte size, unused
        if (!skip) throw short(p);
        p = skip.end;
        n = -n;
      }
      for (let i = 0; i < n; i++) {
        const kl = decodeLong(head, p);
        if (!kl || kl.value < 0) throw short(p);
        const k = head.subarray(kl.end, kl.end + kl.value);
        p = kl.end + kl.value;
        const vl = decodeLong(head, p);
        if (!vl || vl.value < 0 || vl.end + vl.value > head.length) throw short(p);
        meta.set(k.toString('utf8'), Buffer.from(head.subarray(vl.end, vl.end + vl.value)));
        p = vl.end + vl.value;
      }
    }
    if (p + SYNC_SIZE > head.length) throw short(p);
    const sync = Buffer.from(head.subarray(p, p + SYNC_SIZE));
    const dataStart = p + SYNC_SIZE;

    const codecName = meta.get('avro.codec')?.toString('utf8') ?? 'null';
    if (!isCodecName(codecName)) throw corrupt(f, 0, `unsupported codec '${codecName}' (fsfault reads null, deflate, snappy)`);
    const schemaBuf = meta.get('avro.schema');
    if (!schemaBuf) throw corrupt(f, 0, 'header has no avro.schema');
    if (!isUtf8(schemaBuf)) throw corrupt(f, 0, 'avro.schema is not valid UTF-8');
    const schemaText = schemaBuf.toString('utf8');
    let type: AvroType;
    try {
      type = parseAvroSchema(JSON.parse(schemaText));
    } catch (e) {
      throw corrupt(f, 0, `avro.schema does not parse: ${(e as Error).message}`, e);
    }
    return { schemaText, type, codec: codecName, meta, sync, dataStart };
  }
}
