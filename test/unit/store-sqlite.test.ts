/**
 * What only the SQLite store does: the file layout and its permissions, persistence across reopen,
 * SQLite settings, read-only access beside a running writer, and old writer schemas staying readable.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openSqlite } from '../../core/edges/sqlite';
import { isFsfaultError } from '../../core/errors';
import { EventCodec } from '../../core/schema/codec';
import { composeSchema } from '../../core/schema/compose';
import { APPLICATION_ID, STORE_VERSION } from '../../core/store/migrations';
import { SqliteStore } from '../../core/store/sqlite-store';
import { storeFile } from '../../core/store/store-layout';
import { makeEvent, randomEvents, rng, tempStateDirs, testCodec } from './store-test-events';

const dir = tempStateDirs();

describe('SQLite store', () => {
  it('creates <stateDir>/<host>.fsfault.db 0600 in a new 0700 directory, in WAL mode with fsfault ids', () => {
    const stateDir = path.join(dir(), 'nested', 'state');
    const s = SqliteStore.open({ stateDir, host: 'web-01.example', codec: testCodec() });
    s.append([makeEvent()]);
    assert.equal(s.file, path.join(stateDir, 'web-01.example.fsfault.db'));
    assert.equal(fs.statSync(stateDir).mode & 0o777, 0o700);
    for (const f of [s.file, `${s.file}-wal`, `${s.file}-shm`]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
    s.close();
    const db = openSqlite(s.file, { readonly: true });
    assert.equal(db.pragma('journal_mode'), 'wal');
    assert.equal(db.pragma('application_id'), APPLICATION_ID);
    assert.equal(db.pragma('user_version'), STORE_VERSION);
    db.close();
    assert.equal(storeFile('/x', 'a/b c'), '/x/a_b_c.fsfault.db');
  });

  it('keeps events, cursors, schemas and the projection across reopen', () => {
    const stateDir = dir();
    const evs = randomEvents(rng(11), 200);
    let s = SqliteStore.open({ stateDir, host: 'h', codec: testCodec() });
    s.append(evs.slice(0, 120), { 'kmsg.seq': '120' });
    s.commit('kafka:t', 77);
    const health = s.health();
    s.close();
    s = SqliteStore.open({ stateDir, host: 'h', codec: testCodec(), durability: 'off' });
    assert.equal(s.headOffset(), 120);
    assert.equal(s.sourceCursor('kmsg.seq'), '120');
    assert.equal(s.cursor('kafka:t'), 77);
    assert.deepEqual(s.health(), health);
    assert.deepEqual(s.append(evs.slice(120)).at(0), 121);
    s.readAfter(0, 1000).forEach((x, i) => assert.deepEqual(x.event, evs[i]));
    assert.deepEqual(s.quickCheck(), ['ok']);
    s.close();
  });

  it('maps store.durability onto PRAGMA synchronous', () => {
    const stateDir = dir();
    for (const [durability, level] of [['full', 2], ['normal', 1], ['off', 0]] as const) {
      const s = SqliteStore.open({ stateDir, host: 'h', codec: testCodec(), durability });
      // The setting is per connection: read it through the store's own connection.
      assert.equal((s as unknown as { db: { pragma(x: string): unknown } }).db.pragma('synchronous'), level);
      s.close();
    }
  });

  it('serves read-only readers (no codec, no plugins) beside a running writer', async () => {
    const stateDir = dir();
    const retention = { maxAgeDays: 7, maxBytes: 100_000_000, policy: 'drop-oldest' as const };
    const w = SqliteStore.open({ stateDir, host: 'h', codec: testCodec(), durability: 'normal', retention });
    w.append(randomEvents(rng(2), 30), { 'kmsg.seq': '30' });
    const r = SqliteStore.open({ stateDir, host: 'h', readOnly: true });
    assert.equal(r.info().durability, 'normal', "a reader reports the writer's settings");
    assert.deepEqual(r.info().retention, retention);
    assert.equal(r.headOffset(), 30);
    w.append(randomEvents(rng(3), 5));
    assert.equal(r.headOffset(), 35, 'the reader sees commits of the writer');
    assert.deepEqual(r.readAfter(0, 100).map((x) => x.event), w.readAfter(0, 100).map((x) => x.event));
    assert.deepEqual(r.health(), w.health());
    assert.equal(r.cursor('never-registered'), 0);
    assert.deepEqual(r.cursors(), {}, 'a reader registers nothing');
    assert.throws(() => r.append([makeEvent()]), (e: unknown) => isFsfaultError(e, 'STORE_OPEN_FAILED') && /read-only/.test((e as Error).message));
    assert.throws(() => r.commit('x', 1), /read-only/);
    r.close();
    w.close();
  });

  it('decodes rows written under an older schema after a plugin grew a field, and without the plugin', () => {
    const stateDir = dir();
    const v1 = testCodec(false);
    const v2 = testCodec(true);
    assert.notEqual(v1.schema.fingerprint, v2.schema.fingerprint);
    const old = makeEvent({ blob: { function: 'ext4_lookup', line: 7 } });
    let s = SqliteStore.open({ stateDir, host: 'h', codec: v1 });
    s.append([old]);
    s.close();
    s = SqliteStore.open({ stateDir, host: 'h', codec: v2 });
    const fresh = makeEvent({ blob: { function: 'xfs_ag_read', line: 9, agno: 3 } });
    s.append([fresh]);
    const [a, b] = s.readAfter(0, 10);
    assert.equal(a!.fingerprint, v1.schema.fingerprint);
    assert.equal(b!.fingerprint, v2.schema.fingerprint);
    assert.deepEqual(a!.event.blob, { function: 'ext4_lookup', line: 7, agno: null }, 'resolved to the running schema: new field defaulted');
    assert.deepEqual(b!.event, fresh);
    assert.equal(s.schemaText(v1.schema.fingerprint), v1.schema.text);
    s.close();

    // A reader that lacks the plugin entirely falls back to each row's own writer schema.
    const bare = new EventCodec(composeSchema([]));
    const r = SqliteStore.open({ stateDir, host: 'h', readOnly: true, codec: bare });
    assert.deepEqual(r.readAfter(0, 10).map((x) => x.event.blob), [{ function: 'ext4_lookup', line: 7 }, { function: 'xfs_ag_read', line: 9, agno: 3 }]);
    r.close();
  });
});
