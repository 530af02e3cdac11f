/**
 * Replays a recorded JSON-lines file through the pipeline without privileges. The whole file is
 * validated before the first record is delivered, so a bad line fails the run cleanly instead of
 * half-replaying it.
 */
import * as fs from 'node:fs';
import { FsfaultError } from '../errors';
import type { RawRecord } from '../model/raw-record';
import { parseReplayLine } from './replay-line';
import type { RecordSink, Source } from '../pipeline/source';

export function readReplayFile(file: string, clockUs: () => number = () => Date.now() * 1000): RawRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new FsfaultError('REPLAY_UNREADABLE', `cannot read replay file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const out: RawRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    out.push(parseReplayLine(line, `${file}:${i + 1}`, clockUs));
  });
  // A recording with fanotify records for a filesystem was made while fanotify watched it.
  const watched = new Set(out.flatMap((r) => (r.source === 'fanotify' ? [r.fsid] : [])));
  for (const r of out) {
    if (r.source === 'mount' && r.fanotify === undefined && r.mount.fsid !== null && watched.has(r.mount.fsid)) r.fanotify = true;
  }
  return out;
}

export class ReplaySource implements Source {
  readonly name = 'replay';
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly file: string, private readonly batchSize = 256) {}

  async start(sink: RecordSink): Promise<void> {
    const records = readReplayFile(this.file);
    this.done = (async () => {
      for (let i = 0; i < records.length; i += this.batchSize) {
        sink(records.slice(i, i + this.batchSize));
        await new Promise((r) => setImmediate(r)); // let the consumer run between batches
      }
    })();
  }

  finished(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {}
}
