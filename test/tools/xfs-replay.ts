/**
 * Test harness for the XFS plugin over recorded fixtures: reads them with the core's replay-line
 * reader, builds the classify context from their mount lines, and folds records into events the
 * way the core is asked to (continuation first, then classify, merge by key, stop at death).
 * It stands in for the pipeline only so unit tests can state what one recipe becomes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FsEvent } from '../../core/model/event';
import { subtypeMask } from '../../core/model/event';
import type { ClassifyContext } from '../../core/plugin-api';
import type { HealthRecord, KmsgRecord, MountInfo, RawRecord } from '../../core/model/raw-record';
import { parseReplayLine } from '../../core/sources/replay-line';
import type { XfsBlob } from '../../plugins/xfs';
import { xfsPlugin } from '../../plugins/xfs';
import { fixturesDir } from '../helpers/paths';

/** Geometry of the recorded images: mkfs.xfs defaults on 512 MiB (xfs-health.py printed it). */
export const FIXTURE_GEOMETRY = { blocksize: 4096, agblocks: 32768, agcount: 4, inodesize: 512 };

export function loadFixture(name: string): RawRecord[] {
  const file = path.join(fixturesDir, `xfs-${name}.jsonl`);
  let clock = 0;
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => parseReplayLine(l, `${file}:${i + 1}`, () => ++clock));
}

export function contextFor(records: RawRecord[], geometry: Record<string, number> | null = FIXTURE_GEOMETRY): ClassifyContext & { fsGeometry(d: string): Record<string, number> | undefined } {
  const mounts: MountInfo[] = records.flatMap((r) => (r.source === 'mount' ? [r.mount] : []));
  return {
    mountByDevice: (d) => mounts.find((m) => m.device === d),
    mountByFsid: (f) => mounts.find((m) => m.fsid === f),
    fanotifyWatched: () => false,
    fsGeometry: (d) => (geometry && mounts.some((m) => m.device === d && m.fsType === 'xfs') ? geometry : undefined),
  };
}

export interface Folded {
  events: FsEvent<XfsBlob>[];
  died: string | null;
  /** Records that became nothing (info, orphan continuation, non-XFS). */
  ignored: number;
  continued: number;
}

/** What the core is asked to pass: only the sick bits a probe found newly set. */
export function newlySick(r: HealthRecord, seen: Map<string, number>): HealthRecord {
  if (r.failure !== null) return r;
  const k = `${r.device}|${r.scope}|${r.index}`;
  const before = seen.get(k) ?? 0;
  seen.set(k, before | r.sick);
  return { ...r, sick: r.sick & ~before };
}

/** Classify and merge a whole recording; after a terminal event, later errors are only counted. */
export function fold(records: RawRecord[], ctx: ClassifyContext): Folded {
  const out: Folded = { events: [], died: null, ignored: 0, continued: 0 };
  const byKey = new Map<string, FsEvent<XfsBlob>>();
  let last: FsEvent<XfsBlob> | null = null;
  let lastSeq = -2;
  const seen = new Map<string, number>();
  for (const r of records) {
    if (r.source === 'kmsg' && last && r.seq === lastSeq + 1) {
      const blob = xfsPlugin.continuation(r, last);
      if (blob) {
        last.blob = blob;
        lastSeq = r.seq;
        out.continued++;
        continue;
      }
    }
    const d = xfsPlugin.classify(r.source === 'ioctl' ? newlySick(r, seen) : r, ctx);
    if (!d) {
      out.ignored++;
      continue;
    }
    if (out.died) continue; // suppressed after death
    const e: FsEvent<XfsBlob> = {
      id: String(out.events.length),
      host: 'test',
      kind: 'ERROR',
      fs: { type: 'xfs', device: d.device, majorMinor: null, fsid: d.fsid ?? null, uuid: null, mountPoint: null },
      errno: d.errno === null ? null : Math.abs(d.errno),
      errnoName: null,
      count: d.count,
      firstSeen: d.timeUs,
      lastSeen: d.timeUs,
      sources: [d.source],
      subtypes: subtypeMask(d.subtypes),
      inode: d.inode ?? null,
      handleType: d.handleType ?? null,
      handle: d.handle ?? null,
      path: d.path ?? null,
      plugin: 'xfs',
      blob: d.blob,
      lost: null,
      death: null,
    };
    const key = xfsPlugin.mergeKey(e);
    const into = key === null ? undefined : byKey.get(`${d.device}|${key}`);
    if (into) {
      into.blob = xfsPlugin.merge(into.blob!, e.blob!);
      into.count += e.count;
      into.subtypes |= e.subtypes;
      last = into;
    } else {
      out.events.push(e);
      if (key !== null) byKey.set(`${d.device}|${key}`, e);
      last = e;
    }
    if (r.source === 'kmsg') lastSeq = r.seq;
    out.died = xfsPlugin.terminal(last);
  }
  return out;
}

/** A kernel (facility 0) kmsg record with this text, as the replay reader would build it. */
export function kmsgRecord(text: string, seq = 1, level = 1): KmsgRecord {
  return { source: 'kmsg', seq, facility: 0, level, tsUsec: seq, readAtUs: 1_000_000 + seq, flags: '-', text, dict: {} };
}
