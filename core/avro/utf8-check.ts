/**
 * Strict UTF-8 for Avro strings. avsc decodes a string with Buffer's lenient UTF-8 (bad bytes
 * become U+FFFD), so a damaged `null`-codec file — no checksum, no compression to notice — would
 * read back as good events with mangled text. This walks a record's binary encoding by the writer
 * schema (the Avro spec's encoding rules) and checks every string's bytes with buffer.isUtf8; the
 * caller reports the first bad one as AVRO_FILE_CORRUPT at its byte offset.
 *
 * Why our own: avsc has no strict-string option and no hook on its string reader; the walk is
 * compiled once per schema into closures, so the cost per record is one pass over its bytes.
 */
import { isUtf8 } from 'node:buffer';
import { decodeLong } from './binary';

/** Walks one value at `pos`; returns where it ends. Throws BadString or Truncated. */
type Walk = (buf: Buffer, pos: number) => number;

export class BadString extends Error {
  constructor(
    readonly at: number,
    readonly field: string,
  ) {
    super(`string ${field} is not valid UTF-8 (byte ${at} of the block)`);
  }
}

class Truncated extends Error {}

function long(buf: Buffer, pos: number): { value: number; end: number } {
  const r = decodeLong(buf, pos);
  if (!r) throw new Truncated('bad varint');
  return r;
}

const PRIMITIVE: Record<string, Walk> = {
  null: (_b, p) => p,
  boolean: (_b, p) => p + 1,
  int: (b, p) => long(b, p).end,
  long: (b, p) => long(b, p).end,
  float: (_b, p) => p + 4,
  double: (_b, p) => p + 8,
  bytes: (b, p) => {
    const n = long(b, p);
    return n.end + n.value;
  },
};

/**
 * Compile a checker for the writer schema (parsed JSON of avro.schema). Unknown shapes (which
 * avsc already refused) make no checker: null.
 */
export function compileUtf8Check(schema: unknown): ((buf: Buffer, pos: number) => number) | null {
  const named = new Map<string, Walk>();
  const compile = (s: unknown, ns: string, where: string): Walk => {
    if (typeof s === 'string') {
      if (s === 'string') return str(where);
      const p = PRIMITIVE[s];
      if (p) return p;
      const full = s.includes('.') || !ns ? s : `${ns}.${s}`;
      return (b, pos) => {
        const w = named.get(full) ?? named.get(s);
        if (!w) throw new Truncated(`unknown type ${s}`);
        return w(b, pos);
      };
    }
    if (Array.isArray(s)) {
      const branches = s.map((x, i) => compile(x, ns, `${where}[${i}]`));
      return (b, p) => {
        const i = long(b, p);
        const w = branches[i.value];
        if (!w) throw new Truncated('union index out of range');
        return w(b, i.end);
      };
    }
    const o = s as { type: unknown; name?: string; namespace?: string; fields?: { name: string; type: unknown }[]; items?: unknown; values?: unknown; size?: number };
    switch (o.type) {
      case 'record':
      case 'error': {
        const name = o.name ?? '';
        const space = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : (o.namespace ?? ns);
        const full = name.includes('.') || !space ? name : `${space}.${name}`;
        const fields: Walk[] = [];
        const w: Walk = (b, p) => {
          for (const f of fields) p = f(b, p);
          return p;
        };
        named.set(full, w); // before the fields: a record may contain itself
        for (const f of o.fields ?? []) fields.push(compile(f.type, space, where ? `${where}.${f.name}` : f.name));
        return w;
      }
      case 'enum': {
        const w = PRIMITIVE.long!;
        if (o.name) named.set(o.name.includes('.') || !(o.namespace ?? ns) ? o.name : `${o.namespace ?? ns}.${o.name}`, w);
        return w;
      }
      case 'fixed': {
        const size = o.size ?? 0;
        const w: Walk = (_b, p) => p + size;
        if (o.name) named.set(o.name.includes('.') || !(o.namespace ?? ns) ? o.name : `${o.namespace ?? ns}.${o.name}`, w);
        return w;
      }
      case 'array':
        return blocks(compile(o.items, ns, `${where}[]`), null);
      case 'map':
        return blocks(compile(o.values, ns, `${where}{}`), str(`${where} (map key)`));
      default:
        // { type: 'string', logicalType: ... } and other annotated primitives
        return compile(o.type, ns, where);
    }
  };
  try {
    const top = compile(schema, '', '');
    return (buf, pos) => {
      try {
        const end = top(buf, pos);
        if (end > buf.length) throw new Truncated('past the end');
        return end;
      } catch (e) {
        if (e instanceof Truncated) return -1; // decodeAt already judged the structure
        throw e;
      }
    };
  } catch {
    return null;
  }
}

function str(field: string): Walk {
  return (b, p) => {
    const n = long(b, p);
    const end = n.end + n.value;
    if (n.value < 0 || end > b.length) throw new Truncated('string past the end');
    if (!isUtf8(b.subarray(n.end, end))) throw new BadString(n.end, field || '(top level)');
    return end;
  };
}

function blocks(item: Walk, key: Walk | null): Walk {
  return (b, p) => {
    for (;;) {
      const c = long(b, p);
      p = c.end;
      if (c.value === 0) return p;
      let n = c.value;
      if (n < 0) {
        p = long(b, p).end; // byte size of the block, not needed
        n = -n;
      }
      // Every array item or map entry fsfault writes takes at least one byte: a count beyond the
      // bytes left is damage. Checked before anything walks (or avsc decodes) it, since trusting a
      // varint's worth of items makes avsc grow an array until V8 aborts (found by the fuzzer).
      if (n > b.length - p) throw new Truncated(`${n} items claimed with ${b.length - p} bytes left`);
      for (let i = 0; i < n; i++) {
        if (key) p = key(b, p);
        p = item(b, p);
        if (p > b.length) throw new Truncated('past the end');
      }
    }
  };
}
