/**
 * What changed between two Avro schemas, in words (pure). Registries do not always say why a
 * schema is incompatible (Apicurio's answer has no details), so on REGISTRY_INCOMPATIBLE fsfault
 * diffs the subject's latest schema against its own: named types added or removed, record fields
 * added (with or without a default), removed, or changed type, enum symbols and union branches.
 * Written here because the Avro libraries compare schemas for resolution (avsc createResolver)
 * and throw on the first problem rather than listing differences.
 */
type Json = unknown;

interface Named {
  kind: string;
  /** record: field name → { type text, has default }; enum: symbols; fixed: size. */
  fields?: Map<string, { type: string; hasDefault: boolean }>;
  symbols?: string[];
  size?: number;
}

function fullName(name: string, ns: string | undefined): string {
  return name.includes('.') || !ns ? name : `${ns}.${name}`;
}

/** Collect named types by full name; return the short text of a type reference. */
function walk(t: Json, ns: string | undefined, out: Map<string, Named>): string {
  if (typeof t === 'string') return t.includes('.') || !ns || PRIMITIVES.has(t) ? t : `${ns}.${t}`;
  if (Array.isArray(t)) return `union[${t.map((b) => walk(b, ns, out)).join(', ')}]`;
  if (!t || typeof t !== 'object') return String(t);
  const o = t as Record<string, Json>;
  const type = o.type as string;
  if (type === 'array') return `array<${walk(o.items, ns, out)}>`;
  if (type === 'map') return `map<${walk(o.values, ns, out)}>`;
  if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') {
    const name = fullName(String(o.name), (o.namespace as string | undefined) ?? ns);
    const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined;
    const n: Named = { kind: type };
    if (type === 'enum') n.symbols = (o.symbols as string[]) ?? [];
    if (type === 'fixed') n.size = Number(o.size);
    if (type === 'record' || type === 'error') {
      n.fields = new Map();
      for (const f of (o.fields as Record<string, Json>[]) ?? []) n.fields.set(String(f.name), { type: walk(f.type, inner, out), hasDefault: 'default' in f });
    }
    out.set(name, n);
    return name;
  }
  return PRIMITIVES.has(type) ? (o.logicalType ? `${type}(${String(o.logicalType)})` : type) : JSON.stringify(t);
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Differences, old (the registry's latest) → new (ours), one line each; [] when none found. */
export function diffSchemas(oldText: string, newText: string): string[] {
  const a = new Map<string, Named>();
  const b = new Map<string, Named>();
  const rootA = walk(JSON.parse(oldText), undefined, a);
  const rootB = walk(JSON.parse(newText), undefined, b);
  const out: string[] = [];
  if (rootA !== rootB) out.push(`top-level type ${rootA} → ${rootB}`);
  for (const name of a.keys()) if (!b.has(name)) out.push(`type ${name} removed`);
  for (const name of b.keys()) if (!a.has(name)) out.push(`type ${name} added`);
  for (const [name, na] of a) {
    const nb = b.get(name);
    if (!nb) continue;
    if (na.kind !== nb.kind) {
      out.push(`${name}: ${na.kind} → ${nb.kind}`);
      continue;
    }
    if (na.fields && nb.fields) {
      for (const [f, fa] of na.fields) {
        const fb = nb.fields.get(f);
        if (!fb) out.push(`${name}.${f} removed${fa.hasDefault ? '' : ' (it had no default)'}`);
        else if (fa.type !== fb.type) out.push(`${name}.${f}: ${fa.type} → ${fb.type}`);
      }
      for (const [f, fb] of nb.fields) if (!na.fields.has(f)) out.push(`${name}.${f} added${fb.hasDefault ? '' : ' without a default'}`);
    }
    if (na.symbols && nb.symbols) {
      const gone = na.symbols.filter((s) => !nb.symbols!.includes(s));
      const added = nb.symbols.filter((s) => !na.symbols!.includes(s));
      if (gone.length) out.push(`${name}: enum symbols removed ${gone.join(', ')}`);
      if (added.length) out.push(`${name}: enum symbols added ${added.join(', ')}`);
    }
    if (na.size !== undefined && na.size !== nb.size) out.push(`${name}: fixed size ${na.size} → ${nb.size}`);
  }
  return out;
}
