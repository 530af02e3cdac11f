/**
 * The store refuses what it must not use, with an error naming the path and the fix, and never
 * modifies a file it refused: unsafe permissions, an unreadable file, a file that is not a store,
 * a damaged store, a store from a newer fsfault.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openSqlite } from '../../core/edges/sqlite';
import { isFsfaultError, type ErrorCode } from '../../core/errors';
import { STORE_VERSION } from '../../core/store/migrations';
import { SqliteStore } from '../../core/store/sqlite-store';
import { storeFile } from '../../core/store/store-layout';
import { randomEvents, rng, tempStateDirs, testCodec } from './store-test-events';

const dir = tempStateDirs();

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

function expectError(fn: () => unknown, code: ErrorCode, ...patterns: (RegExp | string)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isFsfaultError(e, code), `expected ${code}, got ${(e as { code?: string }).code}: ${(e as Error).message}`);
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok((e as Error).message.includes(p), `message should name ${p}: ${(e as Error).message}`);
      else assert.match((e as Error).message, p);
    }
    return true;
  });
}

const openWriter = (stateDir: string) => SqliteStore.open({ stateDir, host: 'h', codec: testCodec() });
const openReader = (stateDir: string) => SqliteStore.open({ stateDir, host: 'h', readOnly: true });

/** A closed store with some events (the WAL checkpointed into the main file by close). */
function populated(n = 2000): string {
  const stateDir = dir();
  const s = openWriter(stateDir);
  for (let i = 0; i < n; i += 100) s.append(randomEvents(rng(i), 100));
  s.close();
  return stateDir;
}

describe('store bad input', () => {
  it('refuses a group/world-writable state directory, naming it and the fix', () => {
    const stateDir = dir();
    fs.chmodSync(stateDir, 0o777);
    expectError(() => openWriter(stateDir), 'STORE_PERMISSIONS', stateDir, `chmod 700 ${stateDir}`);
    expectError(() => openReader(stateDir), 'STORE_PERMISSIONS', stateDir);
    fs.chmodSync(stateDir, 0o770);
    expectError(() => openWriter(stateDir), 'STORE_PERMISSIONS', 'mode 0770');
    assert.deepEqual(fs.readdirSync(stateDir), [], 'nothing was created');
  });

  it('refuses a group/world-writable store file', () => {
    const stateDir = populated(10);
    const file = storeFile(stateDir, 'h');
    fs.chmodSync(file, 0o666);
    expectError(() => openWriter(stateDir), 'STORE_PERMISSIONS', file, `chmod 600 ${file}`);
  });

  it('says who cannot read the store when it belongs to another user', () => {
    const stateDir = populated(10);
    const file = storeFile(stateDir, 'h');
    // The reader runs as nobody: it owns the directory but not the root-owned 0600 file.
    fs.chownSync(stateDir, 65534, 65534);
    const script = `
      const { SqliteStore } = require(${JSON.stringify(path.resolve(__dirname, '../../core/store/sqlite-store.js'))});
      try { SqliteStore.open({ stateDir: ${JSON.stringify(stateDir)}, host: 'h', readOnly: true }); console.log(JSON.stringify({ ok: true })); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { code?: string; message?: string };
    assert.equal(out.code, 'STORE_PERMISSIONS', r.stdout);
    assert.ok(out.message!.includes(file) && /not readable by uid 65534 \(owner uid 0/.test(out.message!), out.message);
  });

  it('refuses a file that is not SQLite, without touching it', () => {
    const stateDir = dir();
    const file = storeFile(stateDir, 'h');
    fs.writeFileSync(file, 'these are my notes, not a database\n'.repeat(200), { mode: 0o600 });
    const before = sha(file);
    expectError(() => openWriter(stateDir), 'STORE_CORRUPT', file, 'not an fsfault store', `mv ${file} ${file}.bad`);
    expectError(() => openReader(stateDir), 'STORE_CORRUPT', file);
    assert.equal(sha(file), before);
  });

  it("refuses another program's SQLite database (application_id)", () => {
    const stateDir = dir();
    const file = storeFile(stateDir, 'h');
    fs.writeFileSync(file, '', { mode: 0o600 });
    const db = openSqlite(file);
    db.exec('CREATE TABLE contacts (name TEXT)');
    db.close();
    const before = sha(file);
    expectError(() => openWriter(stateDir), 'STORE_CORRUPT', file, /application_id is 0/);
    assert.equal(sha(file), before);
  });

  it('refuses a store written by a newer fsfault with STORE_TOO_NEW', () => {
    const stateDir = populated(10);
    const file = storeFile(stateDir, 'h');
    const db = openSqlite(file);
    db.pragma('user_version = 99');
    db.close();
    const before = sha(file);
    expectError(() => openWriter(stateDir), 'STORE_TOO_NEW', file, new RegExp(`store version 99; this fsfault reads up to ${STORE_VERSION}`), 'upgrade fsfault');
    expectError(() => openReader(stateDir), 'STORE_TOO_NEW', file);
    assert.equal(sha(file), before);
  });

  it('refuses a damaged store (quick_check) and leaves it as it was', () => {
    const stateDir = populated(3000);
    const file = storeFile(stateDir, 'h');
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r+');
    // Scribble over pages in the middle of the file: event b-tree pages and index pages.
    const junk = Buffer.alloc(4096 * 3, 0xa5);
    fs.writeSync(fd, junk, 0, junk.length, Math.floor(size / 2 / 4096) * 4096);
    fs.closeSync(fd);
    const before = sha(file);
    expectError(() => openWriter(stateDir), 'STORE_CORRUPT', file, 'damaged', '.recover');
    assert.equal(sha(file), before);
    // A reader skips the check at open but reading the damage still names the file.
    assert.throws(
      () => {
        const r = openReader(stateDir);
        try {
          r.readAfter(0, 1e6);
          r.query({ device: 'loop0' });
        } finally {
          r.close();
        }
      },
      (e: unknown) => isFsfaultError(e, 'STORE_CORRUPT') && (e as Error).message.includes(file),
    );
  });

  it('says where it looked when a reader finds no store', () => {
    const stateDir = dir();
    expectError(() => openReader(stateDir), 'STORE_OPEN_FAILED', storeFile(stateDir, 'h'), 'fsfault watch creates it');
    expectError(() => openReader(path.join(stateDir, 'missing')), 'STORE_OPEN_FAILED', 'does not exist');
    const notDir = path.join(stateDir, 'file');
    fs.writeFileSync(notDir, '');
    expectError(() => openWriter(notDir), 'STORE_OPEN_FAILED', 'not a directory');
  });
});
