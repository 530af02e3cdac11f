/**
 * A tiny in-memory EventLog for the Avro tests (the store engineer's memory log replaces it once it
 * lands). Bodies are encoded with the given codec, like the real store does.
 */
import type { EventCodec } from '../../../core/schema/codec';
import type { FsEvent } from '../../../core/model/event';
import type { EventLog, EventQuery, StoredEvent } from '../../../core/store/types';

export class TestLog implements EventLog {
  rows: StoredEvent[] = [];
  private cursorMap: Record<string, number> = {};
  /** storedAt of the next append, µs; tests move it to cross day boundaries. */
  clockUs = Date.UTC(2025, 0, 15, 10) * 1000;

  constructor(private readonly codec: EventCodec) {}

  append(events: readonly FsEvent[]): number[] {
    return events.map((event) => {
      const offset = this.rows.length + 1;
      this.rows.push({ offset, storedAt: this.clockUs, event, body: this.codec.encode(event), fingerprint: this.codec.schema.fingerprint });
      return offset;
    });
  }
  readAfter(after: number, max: number): StoredEvent[] {
    return this.rows.filter((r) => r.offset > after).slice(0, max);
  }
  query(q: EventQuery): StoredEvent[] {
    return this.rows
      .filter(
        (r) =>
          (q.since === undefined || r.event.lastSeen >= q.since) &&
          (q.until === undefined || r.event.firstSeen < q.until) &&
          (q.device === undefined || r.event.fs.device === q.device) &&
          (q.kind === undefined || r.event.kind === q.kind) &&
          (q.fromOffset === undefined || r.offset >= q.fromOffset) &&
          (q.toOffset === undefined || r.offset <= q.toOffset),
      )
      .slice(0, q.limit ?? Infinity);
  }
  headOffset(): number {
    return this.rows.length;
  }
  async waitForAppend(): Promise<void> {}
  cursor(name: string): number {
    return this.cursorMap[name] ?? 0;
  }
  commit(name: string, offset: number): void {
    this.cursorMap[name] = Math.max(this.cursor(name), offset);
  }
  cursors(): Record<string, number> {
    return { ...this.cursorMap };
  }
  sourceCursor(): string | null {
    return null;
  }
  schemaText(fp: string): string | null {
    return fp === this.codec.schema.fingerprint ? this.codec.schema.text : null;
  }
  close(): void {}
}
