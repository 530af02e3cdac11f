/**
 * `fsfault summary`: error counts per filesystem, errno, code location and kind over a time window,
 * like `ras-mc-ctl --summary`. Locations come from plugin blobs (ext4 `function`, XFS `ag`/`agno`),
 * read defensively: a blob without them, or of a plugin that names them differently, just has none.
 */
import type { FsEvent } from '../model/event';
import { identityBasis, identityKey } from '../model/fs-identity';
import type { StoredEvent } from '../store/types';
import { printableLines } from '../model/printable';

export interface CountRow {
  key: string;
  /** Stored events. */
  events: number;
  /** Kernel errors they stand for (the sum of their counts). */
  errors: number;
}

export interface Summary {
  events: number;
  firstOffset: number | null;
  lastOffset: number | null;
  byFilesystem: CountRow[];
  byErrno: CountRow[];
  byLocation: CountRow[];
  byKind: CountRow[];
}

/** Rows per filesystem identity (core/model/fs-identity.ts), labelled with the device it was on. */
function fsLabel(e: FsEvent): string {
  const id = identityBasis(e.fs) === 'unknown' ? 'identity unknown' : identityKey(e.fs);
  return `${e.fs.device ?? e.fs.majorMinor ?? '?'} (${e.fs.type}, ${id})`;
}

/** Code locations a blob names: ext4 reports the kernel function, XFS the allocation group. */
export function blobLocations(e: FsEvent): string[] {
  const b = (e.blob ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  if (typeof b.function === 'string' && b.function) out.push(`function ${b.function}`);
  const ag = typeof b.agno === 'number' ? b.agno : typeof b.ag === 'number' ? b.ag : null;
  if (ag !== null && ag >= 0) out.push(`AG ${ag}`);
  return out;
}

export function summarize(events: Iterable<StoredEvent>): Summary {
  const maps = { fs: new Map<string, CountRow>(), errno: new Map<string, CountRow>(), loc: new Map<string, CountRow>(), kind: new Map<string, CountRow>() };
  const bump = (m: Map<string, CountRow>, key: string, count: number) => {
    const r = m.get(key) ?? { key, events: 0, errors: 0 };
    r.events++;
    r.errors += count;
    m.set(key, r);
  };
  let n = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const { offset, event: e } of events) {
    n++;
    first ??= offset;
    last = offset;
    bump(maps.kind, e.kind, e.count);
    if (e.kind === 'LOST') continue; // losses are not errors of a known kind; `kind` and `status` show them
    const fs = fsLabel(e);
    bump(maps.fs, fs, e.count);
    if (e.errno !== null || e.errnoName !== null) bump(maps.errno, e.errnoName ?? String(e.errno), e.count);
    for (const loc of blobLocations(e)) bump(maps.loc, `${fs} ${loc}`, e.count);
  }
  const sorted = (m: Map<string, CountRow>) => [...m.values()].sort((a, b) => b.errors - a.errors || (a.key < b.key ? -1 : 1));
  return { events: n, firstOffset: first, lastOffset: last, byFilesystem: sorted(maps.fs), byErrno: sorted(maps.errno), byLocation: sorted(maps.loc), byKind: sorted(maps.kind) };
}

export function summaryText(s: Summary, window: string): string {
  if (s.events === 0) return `No filesystem events ${window}.\n`;
  const lines = [`Filesystem events summary ${window} (${s.events} events, offsets ${s.firstOffset}-${s.lastOffset}):`];
  const section = (title: string, rows: CountRow[], none: string) => {
    lines.push('', `${title}:`);
    if (rows.length === 0) lines.push(`\t${none}`);
    for (const r of rows) lines.push(`\t${r.key}: ${r.errors} error${r.errors === 1 ? '' : 's'} in ${r.events} event${r.events === 1 ? '' : 's'}`);
  };
  section('Errors per filesystem', s.byFilesystem, 'none');
  section('Errors per errno', s.byErrno, 'none');
  section('Errors per code location (function / allocation group)', s.byLocation, 'no location reported');
  section('Events per kind', s.byKind, 'none');
  return printableLines(`${lines.join('\n')}\n`);
}
