/**
 * Store throughput: append (events/s, in batches per transaction) at each durability level, and
 * replay read (events/s, decoded, through replayEvents), against the same run's raw SQLite insert
 * rate for rows of the same size (baseline ratio).
 *
 *   node dist/bench/store-append.js [--events N] [--batch B] [--dir DIR]
 *
 * DIR (default: the system temp dir) should be on the filesystem the store will live on: fsync
 * cost is the filesystem's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSqlite } from '../core/edges/sqlite';
import type { FsEvent } from '../core/model/event';
import type { Durability } from '../core/store/local-store';
import { replayEvents } from '../core/store/replay';
import { SqliteStore } from '../core/store/sqlite-store';
import { randomEvents, rng, testCodec } from '../test/unit/store-test-events';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const EVENTS = Number(arg('--events', '200000'));
const BATCH = Number(arg('--batch', '100'));
const BASE = arg('--dir', os.tmpdir());
const SYNC: Record<Durability, string> = { full: 'FULL', normal: 'NORMAL', off: 'OFF' };

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(BASE, 'fsfault-bench-'));
  fs.chmodSync(d, 0o700);
  return d;
}

function rate(n: number, ns: bigint): number {
  return Math.round(n / (Number(ns) / 1e9));
}

/** SQLite alone: the same number of rows, a blob of the same size, batched the same, same synchronous. */
function rawInsertRate(durability: Durability, rowBytes: number): number {
  const dir = tempDir();
  const db = openSqlite(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${SYNC[durability]}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
  const body = Buffer.alloc(rowBytes, 7);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i += BATCH) {
    db.immediate(() => {
      for (let j = i; j < Math.min(EVENTS, i + BATCH); j++) ins.run(j + 1, body);
    });
  }
  const ns = process.hrtime.bigint() - t0;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return rate(EVENTS, ns);
}

function benchStore(durability: Durability, events: FsEvent[]): { append: number; replay: number; bytes: number } {
  const dir = tempDir();
  const codec = testCodec(true);
  const store = SqliteStore.open({ stateDir: dir, host: 'bench', codec, durability });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < events.length; i += BATCH) store.append(events.slice(i, i + BATCH), { 'kmsg.seq': String(i) });
  const appendNs = process.hrtime.bigint() - t0;
  const bytes = store.info().usedBytes;
  const t1 = process.hrtime.bigint();
  let n = 0;
  for (const s of replayEvents(store, 1)) n += s.event.count > 0 ? 1 : 0;
  const replayNs = process.hrtime.bigint() - t1;
  if (n !== events.length) throw new Error(`replay read ${n} of ${events.length} events`);
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { append: rate(events.length, appendNs), replay: rate(events.length, replayNs), bytes };
}

function main(): void {
  const events = randomEvents(rng(42), EVENTS, Date.now() * 1000 - 86_400e6);
  const codec = testCodec(true);
  const bodyBytes = Math.round(events.reduce((n, e) => n + codec.encode(e).length, 0) / events.length);
  // A store row is the body plus ten small columns (times, kind, device, type, errno, count, fingerprint).
  const rowBytes = bodyBytes + 60;
  console.log(`store-append: ${EVENTS} events, ${BATCH} per transaction, average Avro body ${bodyBytes} bytes, dir ${BASE}`);
  console.log('durability  append ev/s  raw insert ev/s  ratio  replay ev/s  store bytes/event');
  const results: Record<string, unknown>[] = [];
  for (const durability of ['full', 'normal', 'off'] as Durability[]) {
    const raw = rawInsertRate(durability, rowBytes);
    const r = benchStore(durability, events);
    const ratio = r.append / raw;
    console.log(
      `${durability.padEnd(10)}  ${String(r.append).padStart(11)}  ${String(raw).padStart(15)}  ${ratio.toFixed(2).padStart(5)}  ${String(r.replay).padStart(11)}  ${String(Math.round(r.bytes / EVENTS)).padStart(17)}`,
    );
    results.push({ durability, appendPerSec: r.append, rawInsertPerSec: raw, ratio: Number(ratio.toFixed(3)), replayPerSec: r.replay, bytesPerEvent: Math.round(r.bytes / EVENTS) });
  }
  console.log(JSON.stringify({ bench: 'store-append', events: EVENTS, batch: BATCH, bodyBytes, results }));
}

main();
