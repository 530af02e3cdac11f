/**
 * The avsc edge: the only file that imports avsc. Everything else sees AvroType, a small interface,
 * so the Avro library can be swapped without touching the pipeline.
 *
 * avsc is loaded on the first parse, not when this file is: the store imports this edge, and
 * `fsfault status` opens a store but decodes no row (it reads the kept projection), so it should
 * not pay avsc's load time (CLI start-up, bench/cli-startup).
 */
import type avsc from 'avsc';

let avro: typeof avsc | null = null;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see above
const lib = (): typeof avsc => (avro ??= require('avsc') as typeof avsc);

export interface AvroType {
  /** Encode a value; throws with the failing field path named when the value does not match. */
  toBuffer(value: unknown): Buffer;
  /**
   * Encode into `buf` from `pos` (no allocation); returns the end position, or a negative number
   * (minus the bytes missing) when `buf` is too small.
   */
  encode(value: unknown, buf: Buffer, pos: number): number;
  fromBuffer(buf: Buffer, resolver?: AvroResolver): unknown;
  isValid(value: unknown, errorHook?: (path: string[], value: unknown) => void): boolean;
  /** Parsing Canonical Form as a JSON string. */
  canonical(): string;
  /** The full schema, with defaults, docs and logical types, as JSON. */
  schemaJson(): unknown;
  createResolver(writer: AvroType): AvroResolver;
  /** The avsc type, for the container-file connector's block encoder/decoder. */
  readonly raw: unknown;
}

export type AvroResolver = { readonly __resolver: true };

type AvscType = {
  toBuffer(v: unknown): Buffer;
  encode(v: unknown, buf: Buffer, pos: number): number;
  fromBuffer(b: Buffer, r?: unknown): unknown;
  isValid(v: unknown, opts?: { errorHook?: (path: string[], any: unknown) => void }): boolean;
  schema(opts?: { exportAttrs?: boolean }): unknown;
  createResolver(t: unknown): unknown;
};

function wrap(t: AvscType): AvroType {
  return {
    raw: t,
    toBuffer: (v) => t.toBuffer(v),
    encode: (v, buf, pos) => t.encode(v, buf, pos),
    fromBuffer: (b, r) => t.fromBuffer(b, r),
    isValid: (v, hook) => t.isValid(v, hook ? { errorHook: hook } : undefined),
    canonical: () => JSON.stringify(t.schema()),
    schemaJson: () => t.schema({ exportAttrs: true }),
    createResolver: (w) => t.createResolver(w.raw) as AvroResolver,
  };
}

/**
 * Parse a schema. Unions of null and one type are unwrapped; unions of several records (the blob
 * union) are wrapped as `{ "full.Name": value }`. A fresh options object each time: avsc mutates it.
 */
export function parseAvroSchema(schema: unknown, opts: { plainRecords?: boolean } = {}): AvroType {
  const registry: Record<string, { recordConstructor?: { prototype: object } }> = {};
  const t = lib().Type.forSchema(schema as never, { wrapUnions: 'auto', registry } as never) as unknown as AvscType;
  // plainRecords: decoded records are plain objects (Object.prototype) rather than instances of
  // avsc's generated classes, for values the caller keeps, clones and compares as plain data.
  // Cheaper than copying each decoded value: the generated constructor's prototype is swapped
  // (avsc builds records with `new Record(...)` and never checks instanceof when encoding).
  if (opts.plainRecords) for (const named of Object.values(registry)) if (named.recordConstructor) named.recordConstructor.prototype = Object.prototype;
  return wrap(t);
}

// CRC-64-AVRO (Rabin) fingerprint of the canonical form, as the Avro spec defines it. Kept as our
// own code on purpose: avsc's `Type#fingerprint` offers only crypto hashes (md5, sha256), not
// CRC-64-AVRO; the npm packages that do are unmaintained single-purpose copies of these same
// 15 lines from the spec; and single-object encoding (the 0xC3 0x01 header) and the store's
// schema table key by exactly this value. Tested against the Avro spec's fingerprint vectors
// (test/unit/schema.test.ts, test/unit/kafka-wire.test.ts).
const EMPTY = 0xc15d213aa4d7a795n;
const TABLE: bigint[] = (() => {
  const t: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
    t.push(fp & 0xffffffffffffffffn);
  }
  return t;
})();

export function rabinFingerprint(canonical: string): Buffer {
  let fp = EMPTY;
  for (const b of Buffer.from(canonical, 'utf8')) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)]!;
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp & 0xffffffffffffffffn);
  return out;
}
