/**
 * Encodes FsEvents to Avro binary with the composed schema and back. The mapping between the
 * in-memory event (subtype bit mask, blob by plugin) and the Avro record (subtype names, wrapped
 * blob union) lives only here.
 */
import { FsfaultError } from '../errors';
import { compileRecordWriter, type RecordWriter } from '../avro/record-writer';
import type { AvroType } from '../edges/avro';
import { writePlan } from '../edges/avro-plan';
import { subtypeMask, subtypeNames, type Blob, type FsEvent, type SourceName, type Subtype } from '../model/event';
import type { ComposedSchema } from './compose';
import { UNKNOWN_BLOB_NAME } from './event-schema';

export type AvroEventRecord = Record<string, unknown>;

/** One generated writer per parsed schema (codecs are made per command, connector and store). */
const writers = new WeakMap<AvroType, RecordWriter | null>();

function writerFor(type: AvroType): RecordWriter | null {
  let w = writers.get(type);
  if (w === undefined) {
    const plan = writePlan(type);
    w = plan === null ? null : compileRecordWriter(plan);
    writers.set(type, w);
  }
  return w;
}

export class EventCodec {
  /** Compiled on the first encode, so commands that only decode never pay for it. */
  private writer: RecordWriter | null | undefined;

  /** Subtype name lists by bit mask, built once each (frozen: records share them). */
  private readonly subtypeLists = new Map<number, readonly Subtype[]>();

  constructor(readonly schema: ComposedSchema) {}

  private subtypeNames(mask: number): readonly Subtype[] {
    let names = this.subtypeLists.get(mask);
    if (names === undefined) {
      names = Object.freeze(subtypeNames(mask));
      if (this.subtypeLists.size < 1024) this.subtypeLists.set(mask, names);
    }
    return names;
  }

  toRecord(e: FsEvent): AvroEventRecord {
    let blob: unknown = null;
    if (e.blob !== null) {
      const full = e.plugin === null ? undefined : this.schema.blobNames.get(e.plugin);
      // Assigned rather than `{ [full]: … }`: V8 builds a computed-key literal about 3x slower.
      const wrapped: Record<string, unknown> = {};
      if (full) wrapped[full] = e.blob;
      else wrapped[UNKNOWN_BLOB_NAME] = { plugin: e.plugin ?? '', json: JSON.stringify(e.blob) };
      blob = wrapped;
    }
    return {
      id: e.id,
      host: e.host,
      kind: e.kind,
      fs: e.fs,
      errno: e.errno,
      errnoName: e.errnoName,
      count: e.count,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      sources: e.sources,
      subtypes: this.subtypeNames(e.subtypes),
      inode: e.inode,
      handleType: e.handleType,
      handle: e.handle,
      path: e.path,
      plugin: e.plugin,
      blob,
      lost: e.lost,
      death: e.death,
      pathError: e.pathError ?? null,
    };
  }

  fromRecord(r: AvroEventRecord): FsEvent {
    let blob: Blob | null = null;
    const wrapped = r.blob as Record<string, unknown> | null;
    if (wrapped) {
      const [name, value] = Object.entries(wrapped)[0]!;
      blob = name === UNKNOWN_BLOB_NAME ? (JSON.parse((value as { json: string }).json) as Blob) : (toPlain(value) as Blob);
    }
    return {
      id: r.id as string,
      host: r.host as string,
      kind: r.kind as FsEvent['kind'],
      fs: toPlain(r.fs) as FsEvent['fs'],
      errno: r.errno as number | null,
      errnoName: r.errnoName as string | null,
      count: r.count as number,
      firstSeen: r.firstSeen as number,
      lastSeen: r.lastSeen as number,
      sources: r.sources as SourceName[],
      subtypes: subtypeMask(r.subtypes as Subtype[]),
      inode: r.inode as number | null,
      handleType: r.handleType as number | null,
      handle: r.handle as string | null,
      path: r.path as string | null,
      plugin: r.plugin as string | null,
      blob,
      lost: (toPlain(r.lost) as FsEvent['lost']) ?? null,
      death: (toPlain(r.death) as FsEvent['death']) ?? null,
      ...(typeof r.pathError === 'string' ? { pathError: r.pathError } : {}),
    };
  }

  /**
   * Avro binary body: the generated writer (core/avro/record-writer.ts), byte for byte what avsc
   * writes. When it declines a value (it throws rather than guess), avsc encodes it, so a value that
   * does not fit the schema fails with avsc's check naming the field path.
   */
  encode(e: FsEvent): Buffer {
    const rec = this.toRecord(e);
    const w = this.writer === undefined ? (this.writer = writerFor(this.schema.type)) : this.writer;
    if (w !== null) {
      try {
        return w(rec);
      } catch {
        // fall through to avsc: its bytes, or its error naming the field
      }
    }
    try {
      return this.schema.type.toBuffer(rec);
    } catch (err) {
      throw new FsfaultError('ENCODE_FAILED', `event ${e.id} does not match the Avro schema: ${describeInvalid(this.schema.type, rec)}`, { cause: err });
    }
  }

  decode(body: Buffer, writer?: AvroType): FsEvent {
    const type = this.schema.type;
    const rec = writer && writer !== type ? type.fromBuffer(body, type.createResolver(writer)) : type.fromBuffer(body);
    return this.fromRecord(rec as AvroEventRecord);
  }

  /** Encoded size in bytes: what the core queue charges an event against its budget. */
  sizeOf(e: FsEvent): number {
    return this.encode(e).length;
  }
}

/** avsc decodes records as class instances; the rest of fsfault works with plain objects. */
function toPlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toPlain(x);
    return o;
  }
  return v;
}

/** Names the first field whose value does not match, e.g. `blob.fsfault.plugins.ext4.Ext4Blob.line = "x"`. */
export function describeInvalid(type: AvroType, value: unknown): string {
  const problems: string[] = [];
  type.isValid(value, (path, v) => {
    if (problems.length < 3) problems.push(`${path.join('.') || '(root)'} = ${JSON.stringify(v)?.slice(0, 80)}`);
  });
  return problems.length ? `bad value at ${problems.join('; ')}` : 'value rejected by the encoder';
}
