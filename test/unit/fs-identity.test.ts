/**
 * Filesystem identity (README "Filesystem identity"): per-filesystem state is keyed by uuid, else
 * fsid, else device + unique mount id; the device is a label. Two real recordings on `loop0` (an
 * ext4 and an XFS image) stored together stay two filesystems in status, summary and report; a
 * kernel-log line about a device no longer mounted keeps the identity fsfault knew across a restart;
 * a store whose projection was keyed by device is re-folded on upgrade.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildContainer, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import { openSqlite } from '../../core/edges/sqlite';
import type { RawRecord } from '../../core/model/raw-record';
import type { Pipeline } from '../../core/pipeline/pipeline';
import { readReplayFile } from '../../core/sources/replay-source';
import { STORE_VERSION } from '../../core/store/migrations';
import { SqliteStore } from '../../core/store/sqlite-store';
import { runCli } from '../helpers/cli';
import { repoRoot } from '../helpers/paths';
import { makeEvent, fsOf, tempStateDirs, testCodec } from './store-test-events';

const tmp = tempStateDirs();

const EXT4 = path.join(repoRoot, 'examples', 'ext4-trigger.jsonl');
const XFS = path.join(repoRoot, 'examples', 'xfs-dirblock.jsonl');
const EXT4_UUID = 'ab5abcd3-6d3b-4d8c-bdcd-24ac2e9010a5';
const XFS_UUID = '2dce5271-6c0b-4414-8bc0-87b5b2a7a955';

describe('filesystem identity', () => {
  it('an ext4 and an XFS recording, both on loop0, are two filesystems in status, summary and report', () => {
    const dir = tmp();
    for (const rec of [EXT4, XFS]) {
      const r = runCli(['watch', '--replay', rec, '--once', '--no-stdout', '--state-dir', dir, '--host', 'h']);
      assert.equal(r.code, 0, r.stderr);
    }
    const status = runCli(['status', '--json', '--state-dir', dir, '--host', 'h']);
    assert.equal(status.code, 0, status.stderr);
    const rows = (JSON.parse(status.stdout) as { filesystems: { key: string; fs: { type: string; device: string }; errors: number }[] }).filesystems;
    assert.deepEqual(
      rows.map((f) => [f.key, f.fs.type, f.fs.device, f.errors]).sort(),
      [[`uuid:${EXT4_UUID}`, 'ext4', 'loop0', 1], [`uuid:${XFS_UUID}`, 'xfs', 'loop0', 15]].sort(),
    );
    const text = runCli(['status', '--state-dir', dir, '--host', 'h']).stdout;
    assert.match(text, new RegExp(`^loop0\\s+uuid:${EXT4_UUID}\\s+ext4\\s`, 'm'));
    assert.match(text, new RegExp(`^loop0\\s+uuid:${XFS_UUID}\\s+xfs\\s`, 'm'));

    const summary = JSON.parse(runCli(['summary', '--json', '--state-dir', dir, '--host', 'h']).stdout) as { byFilesystem: { key: string; errors: number }[] };
    assert.deepEqual(summary.byFilesystem.map((r) => [r.key, r.errors]), [[`loop0 (xfs, uuid:${XFS_UUID})`, 15], [`loop0 (ext4, uuid:${EXT4_UUID})`, 1]]);

    const report = JSON.parse(runCli(['report', '--format', 'json', '--input', path.join(dir, 'h.fsfault.db')]).stdout) as { byFilesystem: { key: string; fsType: string; count: number }[] };
    assert.deepEqual(report.byFilesystem.map((r) => [r.key, r.fsType, r.count]), [[`h:loop0 uuid:${XFS_UUID}`, 'xfs', 15], [`h:loop0 uuid:${EXT4_UUID}`, 'ext4', 1]]);
  });

  it('after a restart, a log line about a device no longer mounted keeps the identity fsfault knew', async () => {
    const dir = tmp();
    const lines = readReplayFile(EXT4);
    const mount = lines.find((r): r is Extract<RawRecord, { source: 'mount' }> => r.source === 'mount')!;
    const error = lines.find((r): r is Extract<RawRecord, { source: 'kmsg' }> => r.source === 'kmsg' && r.text.startsWith('EXT4-fs error'))!;
    const run = async (records: RawRecord[]) => {
      const c = buildContainer({
        config: validateConfig({ host: 'h', queue: { lingerMs: 0 } }),
        log: (_s, codec) => SqliteStore.open({ stateDir: dir, host: 'h', codec, durability: 'off' }),
        warn: () => undefined,
      });
      const pipeline = c.get<Pipeline>(TOKENS.Pipeline);
      pipeline.useLiveState({}); // what a live watch does; replays neither read nor write this memory
      await pipeline.start();
      pipeline.ingest(records);
      await pipeline.stop();
      c.get<{ close(): void }>(TOKENS.EventLog).close();
    };
    // First run: the ext4 image is mounted on loop0, then unmounted.
    await run([mount, { ...mount, action: 'unmounted' }]);
    // Second run (a restart): the kernel log still holds an error about loop0, which is not mounted.
    const other: RawRecord = { ...error, seq: error.seq + 1, text: error.text.replace('loop0', 'loop7') };
    await run([error, other]);
    const store = SqliteStore.open({ stateDir: dir, host: 'h', readOnly: true });
    try {
      const events = store.readAfter(0, 100).filter((s) => s.event.kind === 'ERROR');
      const byDevice = Object.fromEntries(events.map((s) => [s.event.fs.device, s.event.fs]));
      assert.equal(byDevice.loop0?.uuid, EXT4_UUID, 'the filesystem fsfault knew on loop0');
      assert.equal(byDevice.loop0?.type, 'ext4');
      assert.equal(byDevice.loop7?.uuid, null, 'a device never seen: no identity is made up');
      assert.deepEqual(
        [...store.health().filesystems.keys()].sort(),
        ['device:loop7', `uuid:${EXT4_UUID}`],
      );
    } finally {
      store.close();
    }
  });

  it('a store whose projection was keyed by device (store version 2) is re-folded by identity on upgrade', () => {
    const dir = tmp();
    const codec = testCodec();
    const w = SqliteStore.open({ stateDir: dir, host: 'h', codec, durability: 'off' });
    w.append([
      makeEvent({ fs: { ...fsOf('loop0'), uuid: 'u-ext4' }, count: 2 }),
      makeEvent({ fs: { ...fsOf('loop0', 'xfs'), uuid: 'u-xfs' }, count: 3 }),
    ]);
    w.close();
    // What version 2 left behind: one row per device, mixing both filesystems.
    const db = openSqlite(path.join(dir, 'h.fsfault.db'));
    db.exec("DELETE FROM projections WHERE name LIKE 'fs:%'");
    db.prepare('INSERT INTO projections (name, json) VALUES (?, ?)').run('fs:loop0', JSON.stringify({ key: 'loop0', errors: 5 }));
    db.pragma(`user_version = ${STORE_VERSION - 1}`);
    db.close();
    const upgraded = SqliteStore.open({ stateDir: dir, host: 'h', codec, durability: 'off' });
    try {
      const p = upgraded.health();
      assert.deepEqual([...p.filesystems.values()].map((h) => [h.key, h.errors]).sort(), [['uuid:u-ext4', 2], ['uuid:u-xfs', 3]]);
      assert.deepEqual(upgraded.projectFromLog().filesystems, p.filesystems);
    } finally {
      upgraded.close();
    }
    assert.ok(fs.existsSync(path.join(dir, 'h.fsfault.db')));
  });
});
