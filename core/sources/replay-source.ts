/**
 * Replays a recorded JSON-lines file through the pipeline without privileges. The file is read
 * twice, streaming, in bounded memory: a first pass validates every line (a bad line fails the run
 * cleanly before the first record is delivered, instead of half-replaying it) and notes which
 * filesystems fanotify watched; the second delivers the records in batches.
 */
import type { RawRecord } from '../model/raw-record';
import { replayFileLines } from './replay-file';
import { parseReplayLine } from './replay-line';
import type { RecordSink, Source } from '../pipeline/source';

/** Lines handled between two turns of the event loop. */
const TURN = 4096;

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** A recording with fanotify records for a filesystem was made while fanotify watched it. */
function markWatched(r: RawRecord, watched: ReadonlySet<string>): RawRecord {
  if (r.source === 'mount' && r.fanotify === undefined && r.mount.fsid !== null && watched.has(r.mount.fsid)) r.fanotify = true;
  return r;
}

function* parsed(file: string): Generator<RawRecord> {
  for (const { no, text } of replayFileLines(file)) yield parseReplayLine(text, `${file}:${no}`);
}

/** Every record of a (small) replay file, validated: for tests, the conformance kit and `validate`. */
export function readReplayFile(file: string): RawRecord[] {
  const out = [...parsed(file)];
  const watched = new Set(out.flatMap((r) => (r.source === 'fanotify' ? [r.fsid] : [])));
  return out.map((r) => markWatched(r, watched));
}

/** Validate a replay file of any size without keeping it: its record count and fanotify-watched fsids. */
export async function scanReplayFile(file: string): Promise<{ records: number; watched: Set<string> }> {
  const watched = new Set<string>();
  let records = 0;
  for (const r of parsed(file)) {
    if (r.source === 'fanotify') watched.add(r.fsid);
    if (++records % TURN === 0) await yieldToLoop();
  }
  return { records, watched };
}

export class ReplaySource implements Source {
  readonly name = 'replay';
  private done: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly file: string, private readonly batchSize = 256) {}

  async start(sink: RecordSink): Promise<void> {
    const { watched } = await scanReplayFile(this.file);
    this.done = (async () => {
      let batch: RawRecord[] = [];
      for (const r of parsed(this.file)) {
        if (this.stopped) return;
        batch.push(markWatched(r, watched));
        if (batch.length >= this.batchSize) {
          sink(batch);
          batch = [];
          await yieldToLoop(); // let the consumer run between batches
        }
      }
      if (batch.length && !this.stopped) sink(batch);
    })();
  }

  finished(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}
