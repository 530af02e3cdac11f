/**
 * EventLog semantics, checked against both implementations (SQLite store and in-memory log): gapless
 * offsets, exact round trip, atomic source cursors, forward-only connector cursors, wake-ups,
 * queries, and retention (age, size, block vs drop-oldest with its LOST event).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isFsfaultError } from '../../core/errors';
import type { LocalStore } from '../../core/store/local-store';
import { MemoryLog } from '../../core/store/memory-log';
import type { RetentionOptions } from '../../core/store/retention';
import { SqliteStore } from '../../core/store/sqlite-store';
import { fsOf, makeEvent, randomEvents, rmTemp, rng, tempStateDir, testCodec } from './store-test-events';

const dirs: string[] = [];
after(() => dirs.forEach(rmTemp));

type Factory = (opts?: { retention?: RetentionOptions; nowUs?: () => number }) => LocalStore;

const factories: Record<string, Factory> = {
  sqlite: (opts = {}) => {
    const dir = tempStateDir();
    dirs.push(dir);
    return SqliteStore.open({ stateDir: dir, host: 'h', codec: testCodec(), durability: 'normal', ...opts });
  },
  memory: (opts = {}) => new MemoryLog(testCodec(), { host: 'h', ...opts }),
};

const DAY_US = 86_400e6;

for (const [name, open] of Object.entries(factories)) {
  describe(`EventLog semantics (${name})`, () => {
    it('assigns gapless offsets from 1 and returns events exactly as appended', () => {
      const log = open();
      const evs = randomEvents(rng(7), 120);
      assert.deepEqual(log.append(evs.slice(0, 50)), Array.from({ length: 50 }, (_, i) => i + 1));
      assert.deepEqual(log.append(evs.slice(50)), Array.from({ length: 70 }, (_, i) => i + 51));
      assert.equal(log.headOffset(), 120);
      const back = log.readAfter(0, 1000);
      assert.deepEqual(back.map((s) => s.offset), Array.from({ length: 120 }, (_, i) => i + 1));
      back.forEach((s, i) => assert.deepEqual(s.event, evs[i]));
      assert.deepEqual(log.readAfter(100, 5).map((s) => s.offset), [101, 102, 103, 104, 105]);
      assert.equal(log.readAfter(120, 5).length, 0);
      assert.equal(back[0]!.fingerprint.length, 16);
      assert.ok(log.schemaText(back[0]!.fingerprint)?.includes('TestfsBlob'));
      log.close();
    });

    it('stores source cursors with their events, and alone', () => {
      const log = open();
      log.append([makeEvent()], { 'kmsg.seq': '41', 'counters.loop0': '{"errors_count":3}' });
      assert.equal(log.sourceCursor('kmsg.seq'), '41');
      log.append([], { 'kmsg.seq': '42' });
      assert.equal(log.sourceCursor('kmsg.seq'), '42');
      assert.equal(log.sourceCursor('counters.loop0'), '{"errors_count":3}');
      assert.equal(log.sourceCursor('nope'), null);
      assert.equal(log.headOffset(), 1);
      log.close();
    });

    it('rejects an event that does not fit the schema and keeps everything else', () => {
      const log = open();
      log.append([makeEvent()], { 'kmsg.seq': '1' });
      const bad = makeEvent({ count: 'many' as unknown as number });
      assert.throws(() => log.append([makeEvent(), bad], { 'kmsg.seq': '2' }), (e: unknown) => isFsfaultError(e, 'ENCODE_FAILED') && /count/.test((e as Error).message));
      assert.equal(log.headOffset(), 1);
      assert.equal(log.sourceCursor('kmsg.seq'), '1');
      log.close();
    });

    it('moves connector cursors forward only, never past the head', () => {
      const log = open();
      log.append(randomEvents(rng(1), 10));
      assert.equal(log.cursor('kafka:t'), 0);
      log.commit('kafka:t', 7);
      log.commit('kafka:t', 3);
      assert.equal(log.cursor('kafka:t'), 7);
      assert.throws(() => log.commit('kafka:t', 11), /beyond the head/);
      assert.throws(() => log.commit('kafka:t', -1), RangeError);
      log.commit('stdout', 10);
      assert.deepEqual(log.cursors(), { 'kafka:t': 7, stdout: 10 });
      log.close();
    });

    it('wakes waiters on append and honours abort', async () => {
      const log = open();
      const woke = log.waitForAppend(0);
      setTimeout(() => log.append([makeEvent()]), 5);
      await woke;
      await log.waitForAppend(0); // already there
      const ac = new AbortController();
      const pending = log.waitForAppend(1, ac.signal);
      ac.abort(new Error('stop'));
      await assert.rejects(pending, /stop/);
      log.close();
    });

    it('answers queries by time, device, kind and offset range', () => {
      const log = open();
      const evs = randomEvents(rng(3), 300);
      log.append(evs);
      const all = log.query({});
      assert.equal(all.length, 300);
      const mid = evs[150]!.firstSeen;
      const expect = (pred: (i: number) => boolean) => evs.map((_, i) => i + 1).filter((o) => pred(o - 1));
      assert.deepEqual(log.query({ since: mid }).map((s) => s.offset), expect((i) => evs[i]!.lastSeen >= mid));
      assert.deepEqual(log.query({ until: mid }).map((s) => s.offset), expect((i) => evs[i]!.firstSeen < mid));
      assert.deepEqual(log.query({ device: 'sda1' }).map((s) => s.offset), expect((i) => evs[i]!.fs.device === 'sda1'));
      assert.deepEqual(log.query({ kind: 'DIED', since: mid }).map((s) => s.offset), expect((i) => evs[i]!.kind === 'DIED' && evs[i]!.lastSeen >= mid));
      assert.deepEqual(log.query({ fromOffset: 10, toOffset: 20, limit: 5 }).map((s) => s.offset), [10, 11, 12, 13, 14]);
      log.close();
    });

    it('scan() hands out what query() answers, across its pages, with limits and offset bounds', () => {
      const log = open();
      const evs = randomEvents(rng(5), 300);
      log.append(evs);
      const mid = evs[150]!.firstSeen;
      const queries = [{}, { since: mid }, { until: mid }, { device: 'sda1' }, { kind: 'DIED' as const, since: mid }, { device: 'loop1', kind: 'ERROR' as const }, { fromOffset: 60, toOffset: 200 }, { fromOffset: 10, limit: 130 }, { device: 'dm-3', limit: 7 }, { limit: 0 }, { fromOffset: 301 }];
      for (const q of queries) {
        const scanned = [...log.scan(q)];
        assert.deepEqual(scanned.map((s) => s.offset), log.query(q).map((s) => s.offset), JSON.stringify(q));
        scanned.forEach((s) => assert.deepEqual(s.event, evs[s.offset - 1]));
      }
      // Rows appended while a scan runs are read too (pages are read as the caller goes).
      const it = log.scan({ device: 'sda1' })[Symbol.iterator]();
      let n = 0;
      for (let r = it.next(); !r.done; r = it.next()) if (++n === 5) log.append(randomEvents(rng(6), 200));
      assert.equal(n, log.query({ device: 'sda1' }).length);
      log.close();
    });

    it("size budget with policy block: STORE_FULL, nothing stored, works again once a connector confirms", () => {
      const log = open({ retention: { maxAgeDays: 90, maxBytes: 400_000, policy: 'block' } });
      log.cursor('kafka:t');
      let stored = 0;
      let full: unknown = null;
      for (let i = 0; i < 200 && !full; i++) {
        try {
          stored = log.append(randomEvents(rng(i), 50), { 'kmsg.seq': String(i) }).at(-1)!;
        } catch (e) {
          full = e;
        }
      }
      assert.ok(isFsfaultError(full, 'STORE_FULL'), `expected STORE_FULL, got ${String(full)}`);
      assert.ok((full as { retriable: boolean }).retriable);
      assert.match((full as Error).message, /maxBytes 400000.*policy is 'block'/);
      assert.equal(log.headOffset(), stored, 'the refused append stored nothing');
      const seqBefore = log.sourceCursor('kmsg.seq');
      assert.equal(log.readAfter(0, 1e6).length, stored, 'nothing was removed');

      log.commit('kafka:t', Math.floor(stored / 2));
      const offs = log.append(randomEvents(rng(999), 50), { 'kmsg.seq': 'next' });
      assert.equal(offs[0], stored + 1, 'offsets continue without a gap');
      assert.notEqual(log.sourceCursor('kmsg.seq'), seqBefore);
      const first = log.info().firstOffset;
      assert.ok(first > 1 && first <= Math.floor(stored / 2) + 1, `only confirmed rows were removed (first retained ${first})`);
      assert.equal(log.query({ kind: 'LOST' }).filter((s) => s.event.lost?.reasons[0]?.reason === 'retention-drop').length, 0);
      log.close();
    });

    it('size budget with drop-oldest: removes unconfirmed rows and logs the drop as a LOST event', () => {
      const log = open({ retention: { maxAgeDays: 90, maxBytes: 400_000, policy: 'drop-oldest' } });
      log.cursor('kafka:t');
      // A reader following the head (one that does not confirm) sees every LOST event as it is appended.
      let seen = 0;
      let dropped = 0;
      const byFs = { n: 0 };
      for (let i = 0; i < 60; i++) {
        log.append(randomEvents(rng(i), 50));
        for (const s of log.readAfter(seen, 1e6)) {
          if (s.event.kind === 'LOST' && s.event.lost?.reasons[0]?.reason === 'retention-drop') {
            dropped += s.event.count;
            byFs.n += s.event.lost.byFilesystem.reduce((n, b) => n + b.count, 0);
          }
          seen = s.offset;
        }
      }
      const info = log.info();
      assert.ok(info.firstOffset > 1, 'old rows were dropped');
      assert.ok(info.retentionDropped > 0);
      assert.equal(dropped, info.retentionDropped, 'every dropped row is accounted for by LOST events');
      assert.equal(byFs.n, dropped);
      // Retained offsets stay one gapless range up to the head.
      const offs = log.readAfter(0, 1e6).map((s) => s.offset);
      assert.deepEqual(offs, Array.from({ length: info.headOffset - info.firstOffset + 1 }, (_, i) => info.firstOffset + i));
      assert.equal(log.health().host.lostByReason['retention-drop'], dropped);
      log.close();
    });

    it('age retention removes old confirmed rows; under block it keeps unconfirmed ones', () => {
      let now = 1_800_000_000_000_000;
      const log = open({ retention: { maxAgeDays: 1, maxBytes: 1e9, policy: 'block' }, nowUs: () => now });
      log.cursor('stdout');
      log.append(randomEvents(rng(5), 100));
      now += 2 * DAY_US;
      log.append(randomEvents(rng(6), 10));
      assert.equal(log.info().firstOffset, 1, 'nothing confirmed, nothing removed');
      log.commit('stdout', 60);
      assert.equal(log.enforceRetention(), 60);
      assert.equal(log.info().firstOffset, 61);
      log.commit('stdout', 110);
      assert.equal(log.enforceRetention(), 40);
      now += 2 * DAY_US;
      log.commit('stdout', 110);
      assert.equal(log.enforceRetention(), 10, 'the log may become empty');
      assert.equal(log.info().rows, 0);
      assert.deepEqual(log.append([makeEvent({ fs: fsOf('sda1') })]), [111], 'offsets are never reused');
      log.close();
    });
  });
}
