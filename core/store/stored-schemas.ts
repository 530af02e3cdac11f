/**
 * Decoding stored bodies. Each row names its writer schema by fingerprint; the schema text is in the
 * store, so a store is self-describing: a reader without plugins (fsfault status/events in another
 * process) decodes with the writer schema itself, and a reader with a codec (the running watch)
 * resolves old writer schemas to its own so old rows read like new ones.
 */
import { FsfaultError } from '../errors';
import { parseAvroSchema, rabinFingerprint, type AvroResolver } from '../edges/avro';
import type { FsEvent } from '../model/event';
import { EventCodec, type AvroEventRecord } from '../schema/codec';
import type { ComposedSchema } from '../schema/compose';

const PLUGIN_PREFIX = 'fsfault.plugins.';

/** Rebuild a ComposedSchema from stored schema text (plugin names come from the blob branch names). */
export function composedFromText(text: string): ComposedSchema {
  const json = JSON.parse(text) as Record<string, unknown>;
  const type = parseAvroSchema(json);
  const canonical = type.canonical();
  const blobNames = new Map<string, string>();
  const fields = (json.fields ?? []) as { name: string; type: unknown }[];
  const union = fields.find((f) => f.name === 'blob')?.type;
  for (const b of Array.isArray(union) ? union : []) {
    if (!b || typeof b !== 'object') continue;
    const { name, namespace } = b as { name?: string; namespace?: string };
    if (!name) continue;
    const full = name.includes('.') ? name : `${namespace ?? 'fsfault'}.${name}`;
    const parts = full.startsWith(PLUGIN_PREFIX) ? full.slice(PLUGIN_PREFIX.length).split('.') : [];
    if (parts.length === 2) blobNames.set(parts[0]!, full);
  }
  return { json, text, type, canonical, fingerprint: rabinFingerprint(canonical).toString('hex'), blobNames };
}

interface Reader {
  decode(body: Buffer): FsEvent;
}

export class StoredSchemas {
  private readonly readers = new Map<string, Reader>();

  /**
   * @param codec the running fsfault's codec, or null to decode every row with its own writer schema
   * @param lookup schema text by fingerprint, from the store
   */
  constructor(
    readonly codec: EventCodec | null,
    private readonly lookup: (fingerprint: string) => string | null,
    private readonly file: string,
  ) {
    if (codec) this.readers.set(codec.schema.fingerprint, { decode: (b) => codec.decode(b) });
  }

  decode(body: Buffer, fingerprint: string, offset: number): FsEvent {
    const reader = this.readers.get(fingerprint) ?? this.load(fingerprint, offset);
    try {
      return reader.decode(body);
    } catch (e) {
      throw new FsfaultError('STORE_CORRUPT', `${this.file}: event at offset ${offset} does not decode with its schema ${fingerprint}: ${(e as Error).message}`, {
        cause: e,
        details: { path: this.file, offset, fingerprint },
      });
    }
  }

  private load(fingerprint: string, offset: number): Reader {
    const text = this.lookup(fingerprint);
    if (text === null) {
      throw new FsfaultError('STORE_CORRUPT', `${this.file}: event at offset ${offset} names schema ${fingerprint}, which the store does not hold`, {
        details: { path: this.file, offset, fingerprint },
      });
    }
    const writer = new EventCodec(composedFromText(text));
    let reader: Reader = { decode: (b) => writer.decode(b) };
    if (this.codec) {
      // Resolve to the running schema when it can read the writer's (new fields get their defaults);
      // a writer with a plugin the reader lacks cannot resolve, and its own schema still reads it.
      // The resolver is built once per writer schema (building it per row would dominate decoding).
      const codec = this.codec;
      let resolver: AvroResolver | null = null;
      try {
        resolver = codec.schema.type.createResolver(writer.schema.type);
      } catch {
        resolver = null;
      }
      if (resolver) {
        const r = resolver;
        reader = { decode: (b) => codec.fromRecord(codec.schema.type.fromBuffer(b, r) as AvroEventRecord) };
      }
    }
    this.readers.set(fingerprint, reader);
    return reader;
  }
}
