/**
 * A full disk under the store, on the real kernel: the state directory on a small loop-mounted ext4
 * filesystem. Appending until the disk is full must fail with STORE_FULL naming the file, lose
 * nothing that was confirmed, and work again once space is freed. On a filesystem with blocks
 * smaller than a memory page, reopening a full store must be refused cleanly (SQLite's -shm
 * mapping would otherwise kill the process with SIGBUS).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFsfaultError } from '../../core/errors';
import { SqliteStore } from '../../core/store/sqlite-store';
import { LoopFsPool, requireKernelPrereqs, type LoopFs } from '../helpers/loopfs';
import { randomEvents, rng, testCodec } from '../unit/store-test-events';

let pool: LoopFsPool;

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-store-full-');
});
after(() => {
  const problems = pool?.cleanup() ?? [];
  assert.deepEqual(problems, []);
});

/** A store in a state directory on `lf`, a 2 MiB filler file beside it to free later. */
function setup(lf: LoopFs) {
  const stateDir = path.join(lf.mountPoint, 'state');
  const filler = path.join(lf.mountPoint, 'filler');
  fs.writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024, 1));
  const open = () => SqliteStore.open({ stateDir, host: 'h', codec: testCodec(), durability: 'full' });
  return { filler, open };
}

/** Append batches of 100 until the disk is full; returns the ids confirmed and the error. */
function fill(store: SqliteStore): { ids: string[]; error: unknown } {
  const ids: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const evs = randomEvents(rng(i), 100);
    try {
      store.append(evs, { 'kmsg.seq': String(i) });
      ids.push(...evs.map((e) => e.id));
    } catch (e) {
      return { ids, error: e };
    }
  }
  return { ids, error: null };
}

function expectStoreFull(e: unknown, file: string): void {
  assert.ok(isFsfaultError(e, 'STORE_FULL'), `expected STORE_FULL, got ${String(e)}`);
  assert.ok((e as Error).message.includes(file), (e as Error).message);
  assert.ok((e as { retriable: boolean }).retriable);
}

function checkConfirmed(s: SqliteStore, ids: string[], lastSeq: string): void {
  assert.equal(s.headOffset(), ids.length, 'nothing confirmed is missing, and the failed append stored nothing');
  assert.deepEqual(s.readAfter(0, 1e6).map((x) => x.event.id), ids);
  assert.equal(s.sourceCursor('kmsg.seq'), lastSeq);
}

describe('store on a full disk (8 MiB loop ext4)', () => {
  it('4 KiB blocks: STORE_FULL, every confirmed event kept, readable while full, appends again after freeing', { timeout: 300_000 }, () => {
    const lf = pool.create('ext4', { sizeMiB: 8, mkfsArgs: ['-b', '4096'] });
    const { filler, open } = setup(lf);
    let store = open();
    const { ids, error } = fill(store);
    expectStoreFull(error, store.file);
    assert.ok(ids.length > 1000, `the disk held ${ids.length} events before it filled`);
    const lastSeq = String(ids.length / 100 - 1);
    checkConfirmed(store, ids, lastSeq);
    assert.throws(() => store.append(randomEvents(rng(1), 100)), (e: unknown) => isFsfaultError(e, 'STORE_FULL'), 'still full: still refused');
    checkConfirmed(store, ids, lastSeq);
    store.close();

    store = open(); // the writer reopens while the disk is still full
    checkConfirmed(store, ids, lastSeq);
    assert.deepEqual(store.quickCheck(), ['ok']);

    fs.rmSync(filler);
    const evs = randomEvents(rng(77), 100);
    assert.equal(store.append(evs, { 'kmsg.seq': 'after' })[0], ids.length + 1, 'offsets continue without a gap');
    ids.push(...evs.map((e) => e.id));
    store.close();

    store = open();
    checkConfirmed(store, ids, 'after');
    assert.deepEqual(store.health(), store.projectFromLog());
    store.close();
  });

  it('1 KiB blocks: reopening a full store is refused with STORE_FULL (no SIGBUS), and works after freeing', { timeout: 300_000 }, () => {
    const lf = pool.create('ext4', { sizeMiB: 8, mkfsArgs: ['-b', '1024'] });
    const { filler, open } = setup(lf);
    let store = open();
    const { ids, error } = fill(store);
    expectStoreFull(error, store.file);
    const lastSeq = String(ids.length / 100 - 1);
    checkConfirmed(store, ids, lastSeq);
    const file = store.file;
    store.close();

    assert.throws(open, (e: unknown) => {
      expectStoreFull(e, file);
      assert.match((e as Error).message, /1024-byte blocks.*free space there/);
      return true;
    });
    assert.throws(() => SqliteStore.open({ stateDir: path.dirname(file), host: 'h', readOnly: true }), (e: unknown) => isFsfaultError(e, 'STORE_FULL'));

    fs.rmSync(filler);
    store = open();
    checkConfirmed(store, ids, lastSeq);
    assert.deepEqual(store.quickCheck(), ['ok']);
    store.append(randomEvents(rng(5), 100));
    store.close();
  });
});
