/**
 * A writer generated from an Avro schema at start-up: one straight-line JS function per record type
 * that writes Avro's binary encoding (zig-zag varint int/long, length-prefixed UTF-8 strings and
 * bytes, union branch index then value, arrays and maps as one counted block ended by 0, enums as
 * their index, float/double little-endian) straight into a slab the body is cut from (see SLAB);
 * small scalar records that repeat (the filesystem identity) are copied from a memo (see memo()).
 *
 * Why our own and not avsc's `toBuffer` (avsc stays the decoder, the schema parser and the
 * reference): every event is encoded once on the hot path (queue charge = store row = Kafka value =
 * Avro file record), and avsc writes each field through a generic per-type `_write` call — every
 * nullable field goes through UnwrappedUnionType's bucket lookup — which made Avro encoding barely
 * faster than JSON.stringify (bench/avro-encode). A generated writer knows each field's type
 * statically, so it is a sequence of typeof checks and byte stores. No maintained npm package
 * generates Avro writers (avsc is the maintained Avro library for Node and is what this replaces on
 * the write path only).
 *
 * Exactness contract: for every value, the writer either returns the very bytes avsc's `toBuffer`
 * returns, or throws. It throws on anything it is not sure of (a value of the wrong JS type, an
 * unknown enum symbol or union branch), and EventCodec then calls avsc, which produces avsc's own
 * bytes or avsc's error. Checked by a property test against avsc (test/unit/record-writer.test.ts):
 * random values of the shipped event schema and of a schema using every Avro type. Strings are
 * written as avsc writes them: UTF-8, with a lone surrogate in a string of at most 64 bytes written
 * as avsc's 3-byte form (Buffer's UTF-8 writer, which avsc uses for longer strings, writes U+FFFD).
 *
 * The generated code contains no text from the schema except field names and symbols passed through
 * JSON.stringify (string literals), so a plugin's schema cannot inject code.
 */
import type { RecordPlan, UnionPlan, WritePlan } from '../edges/avro-plan';

export type RecordWriter = (value: unknown) => Buffer;

/** Raised inside generated code; EventCodec falls back to avsc on any throw. */
class NotWritable extends Error {}
const NOT_WRITABLE = new NotWritable('value not writable by the generated writer');
function fail(): never {
  throw NOT_WRITABLE;
}

const SAFE = 9007199254740990; // avsc's isSafeLong bound (2^53 - 2)

/** Zig-zag varint of an integer-valued number; avsc's Tap.writeLong arithmetic. */
function wl(buf: Buffer, n: number, p: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      buf[p++] = (m & 0x7f) | 0x80;
      m >>>= 7;
    }
    buf[p++] = m;
    return p;
  }
  // Beyond 31 bits: float arithmetic (exact below 2^54). `f & 0x7f` truncates f to 32 bits first,
  // which keeps its low 7 bits (f % 0x80 would be a call to fmod).
  let f = n >= 0 ? n * 2 : -n * 2 - 1;
  while (f >= 0x80) {
    buf[p++] = (f & 0x7f) | 0x80;
    f = Math.floor(f / 0x80);
  }
  buf[p++] = f;
  return p;
}

/** Varint length of a non-negative zig-zag value 2n. */
function varintSize(n: number): number {
  let z = n * 2;
  let k = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    k++;
  }
  return k;
}

/**
 * A length-prefixed string, byte for byte as avsc's Tap.writeString writes it. The common case —
 * ASCII, under 64 characters — is this small function (small enough for V8 to inline into the
 * record functions): the characters after a one-byte length; the first non-ASCII character hands
 * the string to wsOther, which writes it again from p.
 */
function ws(buf: Buffer, s: string, p: number): number {
  const n = s.length;
  if (n >= 64) return wsOther(buf, s, p);
  let q = p + 1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return wsOther(buf, s, p);
    buf[q++] = c;
  }
  buf[p] = n << 1;
  return q;
}

function wsOther(buf: Buffer, s: string, p: number): number {
  const n = s.length;
  if (n >= 64) {
    // Long strings: one native write after a prefix sized for n bytes; it was ASCII when that
    // wrote one byte per character (any other character takes 2 to 4), else the general path
    // below writes it again from p. Room for 3 bytes per character, so the write is never cut.
    const start = p + varintSize(n);
    if (start + 3 * n <= buf.length && buf.write(s, start, 'utf8') === n) {
      wl(buf, n, p);
      return start + n;
    }
  }
  const len = Buffer.byteLength(s);
  p = wl(buf, len, p);
  if (len > 64) {
    if (p + len <= buf.length) buf.write(s, p, len, 'utf8');
    return p + len;
  }
  // avsc's own loop for short strings (a lone surrogate becomes 3 bytes 0xED.., not U+FFFD).
  for (let i = 0; i < n; i++) {
    let c1 = s.charCodeAt(i);
    let c2: number;
    if (c1 < 0x80) buf[p++] = c1;
    else if (c1 < 0x800) {
      buf[p++] = (c1 >> 6) | 0xc0;
      buf[p++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && ((c2 = s.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
      i++;
      buf[p++] = (c1 >> 18) | 0xf0;
      buf[p++] = ((c1 >> 12) & 0x3f) | 0x80;
      buf[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[p++] = (c1 & 0x3f) | 0x80;
    } else {
      buf[p++] = (c1 >> 12) | 0xe0;
      buf[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[p++] = (c1 & 0x3f) | 0x80;
    }
  }
  return p;
}

/** Raw bytes (fixed, a default's encoding, the body of `bytes`). */
function wraw(buf: Buffer, b: Uint8Array, p: number): number {
  const n = b.length;
  if (n <= 16) for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
  else if (p + n <= buf.length) buf.set(b, p);
  return p + n;
}

function wfloat(buf: Buffer, x: number, p: number): number {
  if (p + 4 <= buf.length) buf.writeFloatLE(x, p);
  return p + 4;
}

function wdouble(buf: Buffer, x: number, p: number): number {
  if (p + 8 <= buf.length) buf.writeDoubleLE(x, p);
  return p + 8;
}

const MEMO_ENTRIES = 16;
const MEMO_MAX_FIELDS = 8;
const SCALARS = new Set(['null', 'boolean', 'int', 'long', 'string', 'enum']);

/** A record worth memoising: a few fields, each a scalar or a union of scalars (no float: 0 and -0 differ). */
function memoizable(r: RecordPlan): boolean {
  const scalar = (t: WritePlan): boolean => SCALARS.has(t.t) || (t.t === 'union' && !t.wrapped && t.branches.every((b) => SCALARS.has(b.type.t)));
  return r.fields.length > 0 && r.fields.length <= MEMO_MAX_FIELDS && r.fields.every((f) => scalar(f.type));
}

/** A copy of buf[from, to) that outlives later writes (a memo entry's bytes). */
function snap(buf: Buffer, from: number, to: number): Uint8Array {
  return Uint8Array.prototype.slice.call(buf, from, to);
}

/** Statements writing a constant varint (a union or enum index) at p. */
function constLong(n: number): string {
  const tmp = Buffer.alloc(10);
  const end = wl(tmp, n, 0);
  return Array.from(tmp.subarray(0, end), (x) => `buf[p++] = ${x};`).join(' ');
}

class Generator {
  private readonly records = new Map<RecordPlan, string>();
  private readonly bodies: string[] = [];
  /** Values the generated code closes over: default bytes. */
  readonly consts: unknown[] = [];
  /** Declarations of the generated module's own state (the record memos). */
  private readonly state: string[] = [];
  private seq = 0;

  recordFn(r: RecordPlan): string {
    let fn = this.records.get(r);
    if (fn) return fn;
    fn = `r${this.records.size}`;
    this.records.set(r, fn);
    const reads: string[] = [];
    const writes: string[] = [];
    r.fields.forEach((f, i) => {
      const x = `f${i}`;
      reads.push(`const ${x} = v[${JSON.stringify(f.name)}];`);
      const write = this.value(f.type, x);
      if (f.defaultBytes === null) writes.push(write);
      else writes.push(`if (${x} === undefined) { ${this.rawConst(f.defaultBytes)} } else { ${write} }`);
    });
    const memo = memoizable(r) ? this.memo(r) : null;
    const body = memo ? [...reads, memo.lookup, 'const q = p;', ...writes, memo.keep] : [...reads, ...writes];
    this.bodies.push(`// ${r.name.replace(/[^\w.]/g, '_')}\nfunction ${fn}(buf, v, p) {\n  ${body.join('\n  ')}\n  return p;\n}`);
    return fn;
  }

  /**
   * A small record of scalar fields (the filesystem identity) repeats from one event to the next
   * with the same values, though in a fresh object each time. Its last MEMO_ENTRIES distinct
   * encodings are kept with the field values that made them; a record whose every field is ===
   * to an entry's is written by copying that entry's bytes. === on strings, integers, booleans,
   * null and undefined implies the same encoding (0 and -0 both encode as 0; NaN is never equal).
   * A record whose values keep changing turns the memo off after 64 misses with under a fifth hits.
   */
  private memo(r: RecordPlan): { lookup: string; keep: string } {
    const k = this.seq++;
    const [ring, next, hits, misses] = [`MR${k}`, `MN${k}`, `MH${k}`, `MM${k}`];
    this.state.push(`const ${ring} = []; let ${next} = 0, ${hits} = 0, ${misses} = 0;`);
    const same = r.fields.map((_, i) => `m.f${i} === f${i}`).join(' && ');
    const entry = `{ ${r.fields.map((_, i) => `f${i}`).join(', ')}, b: snap(buf, q, p) }`;
    return {
      lookup: `if (${misses} >= 0) { for (let j = 0; j < ${ring}.length; j++) { const m = ${ring}[j]; if (${same}) { ${hits}++; return wraw(buf, m.b, p); } } }`,
      keep: `if (${misses} >= 0 && p <= buf.length) { if (++${misses} > 64 && ${misses} > 4 * ${hits}) ${misses} = -1;
    else { ${ring}[${next}] = ${entry}; ${next} = (${next} + 1) % ${MEMO_ENTRIES}; } }`,
    };
  }

  private rawConst(b: Buffer): string {
    if (b.length <= 4) return Array.from(b, (x) => `buf[p++] = ${x};`).join(' ');
    this.consts.push(b);
    return `p = wraw(buf, c${this.consts.length - 1}, p);`;
  }

  /** Statements that write the value held in the JS variable `x` with plan `t`, advancing p. */
  value(t: WritePlan, x: string): string {
    switch (t.t) {
      case 'null':
        return `if (${x} !== null) fail();`;
      case 'boolean':
        return `if (typeof ${x} !== 'boolean') fail(); buf[p++] = ${x} ? 1 : 0;`;
      case 'int':
        return `if (${x} !== (${x} | 0)) fail(); p = wl(buf, ${x}, p);`;
      case 'long':
        // avsc: typeof number, no fraction, within its safe range (NaN and ±Infinity fail too).
        // Number.isInteger rather than avsc's `x % 1`, which V8 compiles to a call to fmod.
        return `if (typeof ${x} !== 'number' || !Number.isInteger(${x}) || ${x} < -${SAFE} || ${x} > ${SAFE}) fail(); p = wl(buf, ${x}, p);`;
      case 'float':
        return `if (typeof ${x} !== 'number') fail(); p = wfloat(buf, ${x}, p);`;
      case 'double':
        return `if (typeof ${x} !== 'number') fail(); p = wdouble(buf, ${x}, p);`;
      case 'string':
        return `if (typeof ${x} !== 'string') fail(); p = ws(buf, ${x}, p);`;
      case 'bytes':
        return `if (!Buffer.isBuffer(${x})) fail(); p = wl(buf, ${x}.length, p); p = wraw(buf, ${x}, p);`;
      case 'fixed':
        return `if (!Buffer.isBuffer(${x}) || ${x}.length !== ${t.size}) fail(); p = wraw(buf, ${x}, p);`;
      case 'enum':
        return `switch (${x}) { ${t.symbols.map((s, i) => `case ${JSON.stringify(s)}: ${constLong(i)} break;`).join(' ')} default: fail(); }`;
      case 'array': {
        const k = this.seq++;
        const [a, n, i, e] = [`a${k}`, `n${k}`, `i${k}`, `e${k}`];
        return `{ const ${a} = ${x}; if (!Array.isArray(${a})) fail(); const ${n} = ${a}.length;
    if (${n}) { p = wl(buf, ${n}, p); for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${e} = ${a}[${i}]; ${this.value(t.items, e)} } }
    buf[p++] = 0; }`;
      }
      case 'map': {
        const k = this.seq++;
        const [m, ks, n, i, e] = [`m${k}`, `ks${k}`, `n${k}`, `i${k}`, `e${k}`];
        return `{ const ${m} = ${x}; if (!${m} || typeof ${m} !== 'object' || Array.isArray(${m})) fail();
    const ${ks} = Object.keys(${m}); const ${n} = ${ks}.length;
    if (${n}) { p = wl(buf, ${n}, p); for (let ${i} = 0; ${i} < ${n}; ${i}++) { p = ws(buf, ${ks}[${i}], p); const ${e} = ${m}[${ks}[${i}]]; ${this.value(t.values, e)} } }
    buf[p++] = 0; }`;
      }
      case 'record':
        return `p = ${this.recordFn(t)}(buf, ${x}, p);`;
      case 'union':
        return t.wrapped ? this.wrapped(t, x) : this.unwrapped(t, x);
    }
  }

  /** avsc's WrappedUnionType: null, or an object with exactly one key naming the branch. */
  private wrapped(u: UnionPlan, x: string): string {
    const k = this.seq++;
    const [ks, w] = [`ks${k}`, `w${k}`];
    const nullIndex = u.branches.findIndex((b) => b.name === 'null');
    const cases = u.branches
      .map((b, i) => `case ${JSON.stringify(b.name)}: ${constLong(i)} ${this.value(b.type, w)} break;`)
      .join('\n    ');
    return `if (${x} === null) { ${nullIndex >= 0 ? constLong(nullIndex) : 'fail();'} } else {
    const ${ks} = Object.keys(${x}); if (${ks}.length !== 1) fail(); const ${w} = ${x}[${ks}[0]];
    switch (${ks}[0]) {
    ${cases}
    default: fail(); } }`;
  }

  /** avsc's UnwrappedUnionType: the branch whose bucket matches the value's JS kind. */
  private unwrapped(u: UnionPlan, x: string): string {
    const by = new Map(u.branches.map((b, i) => [b.bucket, i]));
    const branch = (bucket: string): string => {
      const i = by.get(bucket);
      if (i === undefined) return 'fail();';
      // avsc writes no value for the null branch.
      return bucket === 'null' ? constLong(i) : `${constLong(i)} ${this.value(u.branches[i]!.type, x)}`;
    };
    const parts = [`if (${x} === null) { ${branch('null')} }`];
    for (const b of ['string', 'number', 'boolean']) if (by.has(b)) parts.push(`else if (typeof ${x} === '${b}') { ${branch(b)} }`);
    if (by.has('array') || by.has('buffer') || by.has('object')) {
      parts.push(
        `else if (typeof ${x} === 'object') { if (Array.isArray(${x})) { ${branch('array')} } else if (Buffer.isBuffer(${x})) { ${branch('buffer')} } else { ${branch('object')} } }`,
      );
    }
    parts.push('else fail();');
    return parts.join(' ');
  }

  source(top: string): string {
    return `'use strict';\n${this.state.join('\n')}\n${this.bodies.join('\n')}\nreturn ${top};`;
  }
}

/**
 * Bodies are cut from 8 KiB slabs of our own (as Buffer.allocUnsafe cuts Node's pool), written in
 * place: no per-event ArrayBuffer and no copy. A per-event ArrayBuffer (what avsc's toBuffer makes)
 * cost more than the encoding itself (bench/avro-encode profile). A body keeps its slab alive; the
 * bodies that live long are the queue's, taken in admission order, so a slab's bodies are released
 * together (a merge drops the body of an event that stays queued and charged, so a slab is never
 * held by less than the charges of the events cut from it). Separate from Node's pool so unrelated
 * Buffers never pin event slabs, nor the reverse.
 */
const SLAB = 8 * 1024;

/**
 * Compile a writer for `plan` (from core/edges/avro-plan). The returned function encodes one value;
 * it throws (never writes wrong bytes) when the value does not fit the plan.
 */
export function compileRecordWriter(plan: WritePlan): RecordWriter {
  const g = new Generator();
  const top = plan.t === 'record' ? g.recordFn(plan) : wrapTop(g, plan);
  const names = ['Buffer', 'fail', 'wl', 'ws', 'wraw', 'snap', 'wfloat', 'wdouble', ...g.consts.map((_, i) => `c${i}`)];
  const make = new Function(...names, g.source(top)) as (...a: unknown[]) => (buf: Buffer, v: unknown, p: number) => number;
  const write = make(Buffer, fail, wl, ws, wraw, snap, wfloat, wdouble, ...g.consts);
  let slab = Buffer.allocUnsafeSlow(SLAB);
  let off = 0;
  return (value) => {
    let end = write(slab, value, off);
    // Writes past the end of a typed array are dropped and the writer keeps counting: when the
    // value did not fit, write it again where it does.
    if (end > slab.length) {
      const size = end - off;
      if (size > SLAB / 4) {
        const own = Buffer.allocUnsafeSlow(size);
        write(own, value, 0);
        return own;
      }
      slab = Buffer.allocUnsafeSlow(SLAB);
      off = 0;
      end = write(slab, value, 0);
    }
    const out = slab.subarray(off, end);
    off = end;
    return out;
  };
}

/** A non-record top-level type (tests, and schemas whose root is a union): wrap it in a function. */
function wrapTop(g: Generator, plan: WritePlan): string {
  const body = g.value(plan, 'v');
  return `(function top(buf, v, p) { ${body} return p; })`;
}
