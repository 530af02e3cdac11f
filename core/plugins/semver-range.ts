/**
 * Just enough semver to check a plugin's `coreApi` range against the core's API version:
 * `1.2.3`, `^1.2.3`, `~1.2.3`, `1.x`, `1.2.x`, `*`, comparators `>=1.0.0 <2.0.0`, and `||`.
 * (No pre-release handling: the plugin API has none.)
 */
type Version = [number, number, number];

function parse(v: string): Version | null {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function cmp(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function matchComparator(c: string, v: Version): boolean | null {
  if (c === '*' || c === 'x') return true;
  const x = /^(\d+)(?:\.(\d+|x|\*))?(?:\.(x|\*))?$/.exec(c);
  if (x && (x[2] === undefined || x[2] === 'x' || x[2] === '*' || x[3] !== undefined)) {
    if (Number(x[1]) !== v[0]) return false;
    return x[2] === undefined || x[2] === 'x' || x[2] === '*' || Number(x[2]) === v[1];
  }
  const m = /^(\^|~|>=|<=|>|<|=)?\s*(\d+\.\d+\.\d+)$/.exec(c);
  if (!m) return null;
  const base = parse(m[2]!)!;
  const d = cmp(v, base);
  switch (m[1]) {
    case '^':
      return d >= 0 && (base[0] > 0 ? v[0] === base[0] : base[1] > 0 ? v[0] === 0 && v[1] === base[1] : cmp(v, base) === 0);
    case '~':
      return d >= 0 && v[0] === base[0] && v[1] === base[1];
    case '>=':
      return d >= 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '<':
      return d < 0;
    default:
      return d === 0;
  }
}

/** True when `version` satisfies `range`; throws on a range it cannot parse. */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  if (!v) throw new Error(`not a version: '${version}'`);
  return range.split('||').some((alt) => {
    const parts = alt.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) throw new Error(`empty range: '${range}'`);
    return parts.every((p) => {
      const r = matchComparator(p, v);
      if (r === null) throw new Error(`cannot parse range '${range}' at '${p}'`);
      return r;
    });
  });
}
