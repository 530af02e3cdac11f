/**
 * Test harness for the XFS plugin over recorded fixtures: reads them with the core's replay-line
 * reader and runs them through the real core (fold), so unit tests can state what one recipe
 * becomes; contextFor builds a classify context from the fixture's mount lines for direct
 * classify calls.
 */
import * as path from 'node:path';
import type { FsEvent } from '../../core/model/event';
import type { ClassifyContext, FsPlugin } from '../../core/plugin-api';
import type { KmsgRecord, MountInfo, RawRecord } from '../../core/model/raw-record';
import { PluginRegistry } from '../../core/plugins/registry';
import { MountTable } from '../../core/pipeline/mount-table';
import { Classifier } from '../../core/pipeline/classifier';
import { Pipeline } from '../../core/pipeline/pipeline';
import { EventQueue } from '../../core/queue/event-queue';
import { queueHooks } from '../../core/container';
import { composeSchema } from '../../core/schema/compose';
import { EventCodec } from '../../core/schema/codec';
import { MemoryLog } from '../../core/store/memory-log';
import { readReplayFile } from '../../core/sources/replay-source';
import type { XfsBlob } from '../../plugins/xfs';
import { xfsPlugin } from '../../plugins/xfs';
import { fixturesDir } from '../helpers/paths';

/** Geometry of the recorded images: mkfs.xfs defaults on 512 MiB (xfs-health.py printed it). */
export const FIXTURE_GEOMETRY = { blocksize: 4096, agblocks: 32768, agcount: 4, inodesize: 512 };

export function loadFixture(name: string): RawRecord[] {
  const file = path.join(fixturesDir, `xfs-${name}.jsonl`);
  return readReplayFile(file);
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
  /** ERROR and DIED events as the core queue hands them to the store. */
  events: FsEvent<XfsBlob>[];
  /** The death reason, when a DIED event came out. */
  died: string | null;
  /** Records no plugin claimed (info lines, orphan continuations, non-XFS lines). */
  ignored: number;
  /** Records folded into the report before them (hex dumps, advice). */
  continued: number;
}

/**
 * A whole recording through the real core — classifier, pipeline (continuation lines, health
 * diffs, mount geometry), core queue with the plugin's merge and died rules — taking everything
 * at the end, as the store would.
 */
export function fold(records: RawRecord[]): Folded {
  const registry = new PluginRegistry([xfsPlugin as unknown as FsPlugin]);
  const mounts = new MountTable();
  let n = 0;
  const ids = () => String(n++);
  const classifier = new Classifier(registry, mounts, 'test', ids);
  const codec = new EventCodec(composeSchema(registry.all()));
  const queue = new EventQueue({ budgetBytes: 64 * 1024 * 1024, perFsMaxEvents: 1_000_000, host: 'test', newId: ids, sizeOf: (e) => codec.sizeOf(e), hooks: queueHooks(registry) });
  const pipeline = new Pipeline([], classifier, mounts, queue, new MemoryLog(codec), [], { lingerMs: 0, warn: () => undefined });
  pipeline.ingest(records);
  const taken = queue.take() as FsEvent<XfsBlob>[];
  return {
    events: taken.filter((e) => e.kind === 'ERROR' || e.kind === 'DIED'),
    died: taken.find((e) => e.kind === 'DIED')?.death?.reason ?? null,
    ignored: classifier.counters.unclaimed,
    continued: pipeline.stats.continued,
  };
}

/** A kernel (facility 0) kmsg record with this text, as the replay reader would build it. */
export function kmsgRecord(text: string, seq = 1, level = 1): KmsgRecord {
  return { source: 'kmsg', seq, facility: 0, level, tsUsec: seq, readAtUs: 1_000_000 + seq, flags: '-', text, dict: {} };
}
