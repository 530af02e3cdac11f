/**
 * Linux 7.0 XFS health monitor (XFS_IOC_HEALTH_MONITOR), from byte-exact records built from the
 * merged header's layout (test/fixtures/xfs-healthmon-records.txt): this kernel (6.18) has no such
 * ioctl. The native parser decodes every domain and type; the native reader thread reads them from
 * a FIFO in odd-sized pieces under backpressure; the xfs plugin classifies every one (LOST into the
 * rescue slot with its own reason); monitor records and the kernel-log lines of the same problem
 * merge into one event through the real pipeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseXfsHealthmonRecords, openXfsHealthMonitor, readXfsHealthmonFdForTest } from '../../native/xfs-healthmon';
import type { XfsHealthmonEvent } from '../../native/types';
import { isFsfaultError } from '../../core/errors';
import { buildContainer, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import { MemoryLog } from '../../core/store/memory-log';
import type { Pipeline } from '../../core/pipeline/pipeline';
import type { EventQueue } from '../../core/queue/event-queue';
import type { MountInfo, RawRecord } from '../../core/plugin-api';
import type { LossRecord } from '../../core/model/raw-record';
import { readReplayFile } from '../../core/sources/replay-source';
import { HEALTHMON_LOST, HEALTHMON_UNKNOWN, healthmonRecords, XfsHealthmonFeed, xfsPlugin } from '../../plugins/xfs';
import { FIXTURE_GEOMETRY } from '../tools/xfs-replay';
import { fixturesDir } from '../helpers/paths';

interface Row {
  bytes: Buffer;
  expect: Record<string, unknown>;
  note: string;
}

const rows: Row[] = fs
  .readFileSync(path.join(fixturesDir, 'xfs-healthmon-records.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'))
  .map((l) => {
    const m = /^([0-9a-f]{128}) (\{.*\}) {2}# (.*)$/.exec(l);
    assert.ok(m, `fixture line: ${l}`);
    return { bytes: Buffer.from(m[1]!, 'hex'), expect: JSON.parse(m[2]!) as Record<string, unknown>, note: m[3]! };
  });
const all = Buffer.concat(rows.map((r) => r.bytes));
const plain = (e: XfsHealthmonEvent) => {
  const { timeNs, ...rest } = e;
  assert.equal(typeof timeNs, 'bigint');
  return rest;
};

test('the parser decodes every domain and type of the merged header, byte-exact', () => {
  const seen = new Set<string>();
  for (const r of rows) {
    const { events, consumed } = parseXfsHealthmonRecords(r.bytes);
    assert.equal(consumed, 64, r.note);
    assert.equal(events.length, 1, r.note);
    assert.deepEqual(plain(events[0]!), r.expect, r.note);
    assert.equal(events[0]!.timeNs, r.bytes.readBigUInt64LE(8), 'time_ns exact as a BigInt');
    seen.add(`${events[0]!.domain}/${events[0]!.type}`);
  }
  for (const d of ['mount', 'fs', 'ag', 'inode', 'rtgroup', 'datadev', 'rtdev', 'logdev', 'filerange']) assert.ok([...seen].some((s) => s.startsWith(`${d}/`)), d);
  for (const t of ['running', 'lost', 'unmount', 'sick', 'corrupt', 'healthy', 'shutdown', 'media_error', 'bufread', 'bufwrite', 'dioread', 'diowrite', 'datalost']) {
    assert.ok([...seen].some((s) => s.endsWith(`/${t}`)), t);
  }
});

test('the parser takes whole records only: a trailing partial record is left for the next read', () => {
  const { events, consumed } = parseXfsHealthmonRecords(Buffer.concat([all, all.subarray(0, 10)]));
  assert.equal(events.length, rows.length);
  assert.equal(consumed, rows.length * 64);
  assert.deepEqual(parseXfsHealthmonRecords(Buffer.alloc(63)), { events: [], consumed: 0 });
});

/** A FIFO whose read end goes to the native reader; the write end stays with the test. */
function fifo(): { readFd: number; writeFd: number; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-hm-'));
  const p = path.join(dir, 'fifo');
  execFileSync('mkfifo', [p]);
  // Writer opened before the reader starts: a FIFO without writers reads as EOF at once.
  const readFd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writeFd = fs.openSync(p, fs.constants.O_WRONLY);
  return { readFd, writeFd, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('the reader thread delivers every record in order across odd read boundaries, under backpressure, then EOF', async () => {
  const f = fifo();
  try {
    const got: XfsHealthmonEvent[] = [];
    const h = await readXfsHealthmonFdForTest(f.readFd, (evs) => got.push(...evs), { maxQueued: 2 });
    fs.closeSync(f.readFd); // the reader holds its own dup
    for (let off = 0; off < all.length; off += 37) {
      fs.writeSync(f.writeFd, all.subarray(off, Math.min(off + 37, all.length)));
      await new Promise((r) => setImmediate(r));
    }
    fs.closeSync(f.writeFd);
    assert.equal(await h.ended, null, 'EOF ends the monitor without error (the kernel: after UNMOUNT)');
    assert.deepEqual(got.map(plain), rows.map((r) => r.expect));
    assert.equal(h.stats().records, rows.length);
  } finally {
    f.done();
  }
});

test('a stream that ends inside a record ends the monitor with a typed error (EPROTO)', async () => {
  const f = fifo();
  try {
    const got: XfsHealthmonEvent[] = [];
    const h = await readXfsHealthmonFdForTest(f.readFd, (evs) => got.push(...evs));
    fs.closeSync(f.readFd);
    fs.writeSync(f.writeFd, Buffer.concat([rows[0]!.bytes, rows[1]!.bytes.subarray(0, 20)]));
    fs.closeSync(f.writeFd);
    const err = await h.ended;
    assert.ok(isFsfaultError(err, 'NATIVE_SYSCALL'), String(err));
    assert.equal(err.details.errno, 'EPROTO');
    assert.equal(got.length, 1, 'the whole record before it was delivered');
  } finally {
    f.done();
  }
});

test('stop() ends a monitor that is waiting for records', async () => {
  const f = fifo();
  try {
    const h = await readXfsHealthmonFdForTest(f.readFd, () => undefined);
    assert.equal(await h.stop(), null);
  } finally {
    fs.closeSync(f.readFd);
    fs.closeSync(f.writeFd);
    f.done();
  }
});

test('opening a monitor where the kernel has none is a typed error naming the ioctl (ENOTTY off XFS and on 6.x)', async () => {
  // A directory of a filesystem that is not XFS: every kernel answers ENOTTY to an XFS ioctl there.
  await assert.rejects(openXfsHealthMonitor(fixturesDir, () => undefined), (e: unknown) => {
    assert.ok(isFsfaultError(e, 'NATIVE_SYSCALL'), String(e));
    assert.equal(e.details.errno, 'ENOTTY');
    assert.equal(e.details.syscall, 'ioctl(XFS_IOC_HEALTH_MONITOR)');
    return true;
  });
  await assert.rejects(openXfsHealthMonitor('/nonexistent/fsfault', () => undefined), (e: unknown) => isFsfaultError(e, 'NATIVE_SYSCALL') && e.details.errno === 'ENOENT');
});

const mount: MountInfo = { mountId: 1, mountPoint: '/mnt', device: 'loop0', majorMinor: '7:0', fsType: 'xfs', fsid: '0000070000000000', uuid: null, options: [] };
const ctx = {
  mountByDevice: (d: string) => (d === 'loop0' ? mount : undefined),
  mountByFsid: (f: string) => (f === mount.fsid ? mount : undefined),
  fanotifyWatched: () => false,
  fsGeometry: () => FIXTURE_GEOMETRY,
};

test('every decoded record classifies: errors per domain, life cycle none, LOST and unknown numbers to the rescue slot', () => {
  const { events } = parseXfsHealthmonRecords(all);
  const recs = healthmonRecords(events, 'loop0', 42);
  assert.equal(recs.length, events.length);
  const at = (domain: string, type: string) => recs[events.findIndex((e) => e.domain === domain && e.type === type)]!;
  const loss = (r: RawRecord) => r as LossRecord;
  assert.deepEqual(loss(at('mount', 'lost')), { source: 'loss', origin: 'ioctl', reason: HEALTHMON_LOST, count: 17, device: 'loop0', readAtUs: 42 });
  assert.deepEqual(loss(recs[recs.length - 1]!), { source: 'loss', origin: 'ioctl', reason: HEALTHMON_UNKNOWN, count: 1, device: 'loop0', readAtUs: 42 });
  for (const t of ['running', 'unmount']) assert.equal(xfsPlugin.classify(at('mount', t), ctx), null, t);
  for (const d of ['fs', 'ag', 'inode', 'rtgroup']) {
    assert.equal(xfsPlugin.classify(at(d, 'healthy'), ctx), null, `${d} healthy is a repair, no error`);
    for (const t of ['sick', 'corrupt']) {
      const e = xfsPlugin.classify(at(d, t), ctx)!;
      assert.equal(e.errno, 117, `${d}/${t}`);
      assert.ok(e.subtypes.includes('metadata'), `${d}/${t}`);
    }
  }
  const agf = xfsPlugin.classify(at('ag', 'sick'), ctx)!;
  assert.deepEqual([agf.blob.agno, agf.blob.metadataType, agf.blob.agSick], [1, 'agf', ['agf']]);
  const dir = xfsPlugin.classify(at('inode', 'sick'), ctx)!;
  assert.deepEqual([dir.inode, dir.blob.inodeSick], [131, ['dir']]);
  const sd = xfsPlugin.classify(at('mount', 'shutdown'), ctx)!;
  assert.deepEqual(sd.blob.shutdownFlagNames, ['meta_io_error']);
  assert.equal(xfsPlugin.terminal({ blob: sd.blob } as never), 'shutdown: metadata-io-error');
  for (const d of ['datadev', 'rtdev', 'logdev']) {
    const m = xfsPlugin.classify(at(d, 'media_error'), ctx)!;
    assert.equal(m.errno, 5, d);
    assert.ok(m.subtypes.includes('io'), d);
  }
  assert.equal(xfsPlugin.classify(at('datadev', 'media_error'), ctx)!.blob.agno, 0, 'data-device sectors map to an AG');
  assert.equal(xfsPlugin.classify(at('rtdev', 'media_error'), ctx)!.blob.agno, null, 'realtime sectors belong to no AG');
  for (const t of ['bufread', 'bufwrite', 'dioread', 'diowrite', 'datalost']) {
    const r = xfsPlugin.classify(at('filerange', t), ctx)!;
    assert.ok(r.subtypes.includes('data'), t);
    assert.equal(r.blob.op, t);
  }
  assert.equal(xfsPlugin.classify(at('filerange', 'diowrite'), ctx)!.errno, 28, 'the record\'s own errno');
});

function pipeline() {
  const c = buildContainer({
    config: validateConfig({ host: 't', queue: { lingerMs: 0 } }),
    plugins: [xfsPlugin],
    log: (_s, codec) => new MemoryLog(codec),
    warn: () => undefined,
  });
  return { pipeline: c.get<Pipeline>(TOKENS.Pipeline), queue: c.get<EventQueue>(TOKENS.Queue) };
}

test('through the pipeline: the monitor LOST count is a LOST event of its own reason', () => {
  const p = pipeline();
  const { events } = parseXfsHealthmonRecords(all);
  p.pipeline.ingest(healthmonRecords(events, 'loop0', 42));
  const lost = p.queue.take().filter((e) => e.kind === 'LOST');
  assert.equal(lost.length, 1);
  assert.equal(lost[0]!.lost!.reasons.find((r) => r.reason === HEALTHMON_LOST)?.count, 17);
  assert.equal(lost[0]!.lost!.reasons.find((r) => r.reason === HEALTHMON_UNKNOWN)?.count, 1);
});

test('monitor records merge with the kernel-log lines of the same problem (same AG, metadata type, errno)', () => {
  // The real 6.18 recording of a corrupted inode, and what 7.0 would also queue on the monitor for
  // it: the inode marked sick (XFS_BS_SICK_INODE) and its AG's INODES flag.
  const replay = readReplayFile(path.join(fixturesDir, 'xfs-inode.jsonl'));
  const base = pipeline();
  base.pipeline.ingest(replay);
  const logOnly = base.queue.take().filter((e) => e.kind !== 'LOST');
  const first = logOnly.find((e) => (e.blob as { metadataType?: string } | null)?.metadataType === 'inode');
  assert.ok(first, 'the recording has an inode verifier event');
  const ino = first.inode!;
  assert.ok(ino > 0);
  const agno = (first.blob as { agno: number }).agno;
  const rec = (domain: number, mask: number, a: number, b: bigint) => {
    const buf = Buffer.alloc(64);
    buf.writeUInt32LE(domain, 0);
    buf.writeUInt32LE(3, 4); // TYPE_SICK
    buf.writeBigUInt64LE(1796428800000000000n, 8);
    buf.writeUInt32LE(mask, 16);
    buf.writeUInt32LE(a, 20);
    buf.writeBigUInt64LE(b, 24);
    return buf;
  };
  const bytes = Buffer.concat([rec(3, 0x1, 1, BigInt(ino)), rec(2, 0x400, agno, 0n)]); // inode sick; AG INODES sick
  const both = pipeline();
  const mounted = replay.filter((r) => r.source === 'mount');
  const rest = replay.filter((r) => r.source !== 'mount');
  both.pipeline.ingest(mounted);
  both.pipeline.ingest(healthmonRecords(parseXfsHealthmonRecords(bytes).events, 'loop0', rest[0]!.readAtUs));
  both.pipeline.ingest(rest);
  const merged = both.queue.take().filter((e) => e.kind !== 'LOST');
  assert.equal(merged.length, logOnly.length, 'no event of its own: the monitor records joined the log line\'s event');
  const sameKey = merged.find((e) => e.inode === ino && (e.blob as { metadataType?: string }).metadataType === 'inode')!;
  assert.equal(sameKey.count, first.count + 2, 'both monitor records counted into it');
  assert.ok(sameKey.sources.includes('ioctl') && sameKey.sources.includes('kmsg'), `sources ${sameKey.sources.join(',')}`);
});

test('the probe feed: monitor records buffered until the poll takes them, LOST kept, bounded; EOF falls back to log+ioctl', async () => {
  const f = fifo();
  try {
    const feed = new XfsHealthmonFeed((_mnt, onEvents) => readXfsHealthmonFdForTest(f.readFd, onEvents), { maxBuffered: 20, now: () => 7 });
    assert.deepEqual(await feed.attach(mount), { mode: 'healthmon', reason: null, errno: null });
    assert.equal(feed.active(mount), true);
    fs.writeSync(f.writeFd, all);
    const got: RawRecord[] = [];
    for (let i = 0; i < 200 && got.length < 21; i++) {
      await new Promise((r) => setTimeout(r, 10));
      got.push(...feed.take(mount));
    }
    // 26 records: 20 kept (1 of them the LOST record), 6 over the bound counted as one loss.
    assert.equal(got.length, 21, JSON.stringify(got));
    const last = got[20] as LossRecord;
    assert.deepEqual([last.source, last.reason, last.count], ['loss', HEALTHMON_LOST, 6]);
    assert.equal((got[1] as LossRecord).count, 17, 'the kernel\'s own LOST count');
    fs.closeSync(f.writeFd);
    for (let i = 0; i < 200 && feed.active(mount); i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(feed.status(mount), { mode: 'log+ioctl', reason: 'the health monitor ended (filesystem unmounted)', errno: null });
    await feed.close();
  } finally {
    fs.closeSync(f.readFd);
    f.done();
  }
});

test('the probe feed falls back to log+ioctl and says why: ENOTTY (real kernel), EEXIST and EPERM (test double: a held slot and a missing capability cannot be made here)', async () => {
  const real = new XfsHealthmonFeed(openXfsHealthMonitor);
  const notXfs = { ...mount, mountPoint: fixturesDir };
  const s = await real.attach(notXfs);
  assert.deepEqual([s.mode, s.errno], ['log+ioctl', 'ENOTTY']);
  assert.match(s.reason!, /no XFS_IOC_HEALTH_MONITOR/);
  assert.equal(real.active(notXfs), false);
  assert.deepEqual(real.take(notXfs), []);
  const refusing = (errno: string, code = 'NATIVE_SYSCALL') => new XfsHealthmonFeed(() => Promise.reject(Object.assign(new Error(errno), { code, details: { errno } })));
  const held = await refusing('EEXIST').attach(mount);
  assert.deepEqual([held.mode, held.errno], ['log+ioctl', 'EEXIST']);
  assert.match(held.reason!, /another health monitor holds this filesystem.*xfs_healer/);
  const perm = await refusing('EPERM', 'PRIVILEGE_MISSING').attach(mount);
  assert.match(perm.reason!, /CAP_SYS_ADMIN/);
});
