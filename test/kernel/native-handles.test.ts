/**
 * File handles on a real loop-mounted ext4 (root: open_by_handle_at needs CAP_DAC_READ_SEARCH).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { isFsfaultError } from '../../core/errors';
import { nameToHandle, resolveHandle } from '../../native/index';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';

let pool: LoopFsPool;

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-native-handles-');
});

after(() => {
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

test("a real file's handle resolves to its path; after deletion it is ESTALE", () => {
  const lf = pool.create('ext4');
  fs.mkdirSync(`${lf.mountPoint}/dir with space`);
  const file = `${lf.mountPoint}/dir with space/file`;
  fs.writeFileSync(file, 'x');
  const h = nameToHandle(file);
  assert.equal(h.handleType, 1, 'ext4: FILEID_INO32_GEN');
  assert.equal(h.handleHex.length, 16, '8 bytes: ino, generation');
  assert.equal(Buffer.from(h.handleHex, 'hex').readUInt32LE(0), fs.statSync(file).ino);
  assert.deepEqual(resolveHandle(lf.mountPoint, h.handleType, h.handleHex), { path: file });
  fs.unlinkSync(file);
  assert.deepEqual(resolveHandle(lf.mountPoint, h.handleType, h.handleHex), { error: 'ESTALE' });
});

test('the superblock handle needs no syscall; bad hex is a typed error', () => {
  assert.deepEqual(resolveHandle('/nonexistent', 255, ''), { error: 'EMPTY_HANDLE' });
  assert.throws(() => resolveHandle('/', 1, 'abc'), (e: unknown) => isFsfaultError(e, 'NATIVE_SYSCALL') && /hex/.test(e.message));
  assert.deepEqual(resolveHandle('/nonexistent-fsfault', 1, '0102030405060708'), { error: 'ENOENT' });
});
