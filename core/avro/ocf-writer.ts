/**
 * Writes one Avro container file: header with a fresh random sync marker, then multi-record blocks
 * of already-encoded record bodies. Callers hand in Avro binary bodies (the store keeps them), so
 * rows written with the current schema are copied byte for byte, never re-encoded.
 *
 * Durability is the caller's business except for `finish()`, which writes the last block and
 * fsyncs the file before closing it; renaming into place is done by the connector.
 *
 * Kept as fsfault's own code rather than avsc's BlockEncoder: avsc encodes JS values, while the
 * stored bodies must go into the file byte for byte (one encoding per event, the same bytes Kafka
 * carries), and the metadata (fingerprint, host) and sync marker are under our control.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { blockCodec, type BlockCodec, type CodecName } from './codecs';
import { encodeBlock, encodeHeader, SYNC_SIZE } from './ocf-format';

export interface OcfWriterOptions {
  /** The writer schema, as JSON text: goes into `avro.schema`. */
  schemaText: string;
  codec: CodecName;
  /** Records per block. */
  blockRecords: number;
  /** Extra header metadata (`fsfault.fingerprint` ...). Keys starting with `avro.` are reserved. */
  meta?: Record<string, string>;
  /** For tests only: a fixed sync marker. */
  sync?: Buffer;
}

export class OcfWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;
  private records = 0;
  private readonly codec: BlockCodec;

  private constructor(
    readonly path: string,
    private readonly fh: fsp.FileHandle,
    readonly sync: Buffer,
    private readonly opts: OcfWriterOptions,
  ) {
    this.codec = blockCodec(opts.codec);
  }

  /** Create (truncate) `path` and write the header. */
  static async create(path: string, opts: OcfWriterOptions): Promise<OcfWriter> {
    const sync = opts.sync ?? randomBytes(SYNC_SIZE);
    const meta = new Map<string, Buffer>([
      ['avro.schema', Buffer.from(opts.schemaText, 'utf8')],
      ['avro.codec', Buffer.from(opts.codec, 'utf8')],
    ]);
    for (const [k, v] of Object.entries(opts.meta ?? {})) {
      if (k.startsWith('avro.')) throw new Error(`metadata key '${k}' is reserved by the Avro spec`);
      meta.set(k, Buffer.from(v, 'utf8'));
    }
    const fh = await fsp.open(path, 'w', 0o644);
    const w = new OcfWriter(path, fh, sync, opts);
    try {
      await w.write(encodeHeader(meta, sync));
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    return w;
  }

  /** Bytes on disk plus the uncompressed bytes still waiting for their block: the rotation measure. */
  get size(): number {
    return this.written + this.pendingBytes;
  }

  get count(): number {
    return this.records;
  }

  async append(body: Buffer): Promise<void> {
    this.pending.push(body);
    this.pendingBytes += body.length;
    this.records++;
    if (this.pending.length >= this.opts.blockRecords) await this.writeBlock();
  }

  /** Write the last block, fsync and close. */
  async finish(): Promise<void> {
    await this.writeBlock();
    await this.fh.sync();
    await this.fh.close();
  }

  /** Close without the last block (the file is about to be deleted). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  private async writeBlock(): Promise<void> {
    if (this.pending.length === 0) return;
    const data = this.codec.compress(Buffer.concat(this.pending, this.pendingBytes));
    const block = encodeBlock(this.pending.length, data, this.sync);
    this.pending = [];
    this.pendingBytes = 0;
    await this.write(block);
  }

  private async write(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
    this.written += buf.length;
  }
}
