/** A source of raw records: the live kernel (native addon) or a recorded replay file. */
import type { RawRecord } from '../model/raw-record';

export type RecordSink = (records: RawRecord[]) => void;

export interface Source {
  readonly name: string;
  /** Begin delivering records to `sink` (synchronously or later, in order). */
  start(sink: RecordSink): Promise<void>;
  /** Resolves when a finite source has delivered everything; never resolves for live sources. */
  finished(): Promise<void>;
  stop(): Promise<void>;
}
