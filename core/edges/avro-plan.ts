/**
 * The avsc edge for the generated record writer (core/avro/record-writer.ts): reads the type tree
 * avsc parsed from a schema and hands it over as a WritePlan, a plain description with no avsc in it.
 * Reading avsc's parsed types rather than the schema JSON means name resolution, namespaces,
 * recursive references, field defaults and the `wrapUnions: 'auto'` choice (which unions are
 * written from `{ "full.Name": value }` and which from the bare value) are avsc's own decisions, so
 * the writer cannot disagree with avsc about them.
 *
 * Returns null for what the writer does not handle (logical types with a JS mapping, abstract
 * longs, unions with dynamic branches): the caller then keeps avsc's `toBuffer`.
 */
import type { AvroType } from './avro';

export type WritePlan =
  | { readonly t: 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string' }
  | { readonly t: 'fixed'; readonly size: number }
  | { readonly t: 'enum'; readonly symbols: readonly string[] }
  | { readonly t: 'array'; readonly items: WritePlan }
  | { readonly t: 'map'; readonly values: WritePlan }
  | RecordPlan
  | UnionPlan;

export interface RecordPlan {
  readonly t: 'record';
  readonly name: string;
  /** Filled after the record object exists, so a recursive record can point at itself. */
  readonly fields: { readonly name: string; readonly type: WritePlan; readonly defaultBytes: Buffer | null }[];
}

/**
 * `wrapped`: the value is null or `{ branchName: value }` (branch = full name or type name).
 * Unwrapped: the branch is chosen by the value's JS kind (`bucket`, avsc's getValueBucket:
 * null, boolean, number, string, array, buffer, object).
 */
export interface UnionPlan {
  readonly t: 'union';
  readonly wrapped: boolean;
  readonly branches: readonly { readonly name: string; readonly bucket: string; readonly type: WritePlan }[];
}

interface AvscType {
  typeName: string;
  branchName?: string;
  name?: string;
  size?: number;
  symbols?: string[];
  itemsType?: AvscType;
  valuesType?: AvscType;
  types?: AvscType[];
  fields?: { name: string; type: AvscType; defaultValue(): unknown }[];
  toBuffer(v: unknown): Buffer;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** avsc's getTypeBucket: which JS kind of value selects a branch of an unwrapped union. */
function bucketOf(t: AvscType): string {
  switch (t.typeName) {
    case 'double':
    case 'float':
    case 'int':
    case 'long':
      return 'number';
    case 'bytes':
    case 'fixed':
      return 'buffer';
    case 'enum':
      return 'string';
    case 'map':
    case 'error':
    case 'record':
      return 'object';
    default:
      return t.typeName;
  }
}

class Unsupported extends Error {}

export function writePlan(type: AvroType): WritePlan | null {
  const records = new Map<AvscType, RecordPlan>();
  const plan = (t: AvscType): WritePlan => {
    const tn = t.typeName;
    if (PRIMITIVES.has(tn)) return { t: tn as 'null' };
    switch (tn) {
      case 'fixed':
        return { t: 'fixed', size: t.size! };
      case 'enum':
        return { t: 'enum', symbols: [...t.symbols!] };
      case 'array':
        return { t: 'array', items: plan(t.itemsType!) };
      case 'map':
        return { t: 'map', values: plan(t.valuesType!) };
      case 'record':
      case 'error': {
        const known = records.get(t);
        if (known) return known;
        const r: RecordPlan = { t: 'record', name: t.name ?? 'anonymous', fields: [] };
        records.set(t, r);
        for (const f of t.fields!) {
          const d = f.defaultValue();
          // The bytes avsc writes for a field left undefined: its default, encoded by the field type.
          r.fields.push({ name: f.name, type: plan(f.type), defaultBytes: d === undefined ? null : f.type.toBuffer(d) });
        }
        return r;
      }
      case 'union:wrapped':
      case 'union:unwrapped':
        return {
          t: 'union',
          wrapped: tn === 'union:wrapped',
          branches: t.types!.map((b) => {
            if (b.typeName.startsWith('logical:') || b.typeName.startsWith('abstract:')) throw new Unsupported(b.typeName);
            return { name: b.branchName!, bucket: bucketOf(b), type: plan(b) };
          }),
        };
      default:
        // logical:*, abstract:long: avsc maps those values through user code; leave them to avsc.
        throw new Unsupported(tn);
    }
  };
  try {
    return plan(type.raw as AvscType);
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
}
