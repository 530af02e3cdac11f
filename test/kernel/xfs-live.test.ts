/**
 * XFS on the live path, end to end on the real kernel (root; xfsprogs: mkfs.xfs, xfs_db, xfs_io;
 * e2fsprogs for the outer filesystem of the suppression case): kernel log → native watcher →
 * pipeline (continuation lines, health diff, geometry) → xfs plugin → core queue → store, with
 * XfsHealthProbe for geometry and health flags. Each case builds its own image with the recipes of
 * kernel-error-sources.md 9.2.
 *
 * The harness below feeds the kernel log from native createWatcher and makes the mount records and
 * probe polls itself, at the moments the live source makes them (mount, shortly after an error),
 * so each case controls exactly when the probe reads. xfs-watch.test.ts runs the real LiveSource.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildContainer, TOKENS } from '../../core/container';
import { validateConfig } from '../../core/config/load';
import type { FsEvent } from '../../core/model/event';
import type { MountInfo, RawRecord } from '../../core/model/raw-record';
import type { Pipeline } from '../../core/pipeline/pipeline';
import type { EventQueue } from '../../core/queue/event-queue';
import type { RecordSink, Source } from '../../core/pipeline/source';
import { XfsHealthProbe } from '../../plugins/xfs/probe/health-probe';
import { MemoryLog } from '../../core/store/memory-log';
import { createWatcher, readMountTable } from '../../native/index';
import type { Watcher } from '../../native/types';
import type { XfsBlob } from '../../plugins/xfs';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { newestKmsgSeq } from '../helpers/kmsg-ring';

const LINGER_MS = 50;
const pools: LoopFsPool[] = [];

before(() => {
  requireKernelPrereqs(['mkfs.xfs', 'xfs_db', 'xfs_io', 'mkfs.ext4', 'losetup', 'mount', 'umount', 'dd']);
});

after(() => {
  // inner pools (created later) first: their images live on the outer ones
  const problems: string[] = [];
  for (const p of pools.reverse()) {
    // cleanup() removes its directory last, after unmounting and detaching; a pool whose
    // directory is on a filesystem the test broke on purpose cannot remove it (it reports
    // "could not remove"), and the outer pool deletes the whole image right after.
    const onBroken = outerDir !== '' && p.dir.startsWith(outerDir + path.sep);
    problems.push(...p.cleanup().filter((m) => !(onBroken && m.startsWith(`could not remove ${p.dir}`))));
  }
  assert.deepEqual(problems, [], 'cleanup');
});

/** Mount point of the outer filesystem of the suppression case ('' until it exists). */
let outerDir = '';

function newPool(prefix: string): LoopFsPool {
  const p = new LoopFsPool(prefix);
  pools.push(p);
  return p;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The kernel log as a Source, plus the records the live source would add (mounts, probe polls). */
class KernelLogSource implements Source {
  readonly name = 'kmsg';
  watcher: Watcher | null = null;
  private sink: RecordSink | null = null;
  readonly errors: Error[] = [];

  async start(sink: RecordSink): Promise<void> {
    this.sink = sink;
    this.watcher = createWatcher({ kmsg: { start: 'end' }, onError: (e) => this.errors.push(e) }, (batch) => sink(batch));
  }

  finished(): Promise<void> {
    return new Promise(() => {});
  }

  async stop(): Promise<void> {
    await this.watcher?.stop();
  }

  inject(records: RawRecord[]): void {
    this.sink!(records);
  }
}

/** One XFS watched through the whole pipeline. */
class XfsWatch {
  readonly probe = new XfsHealthProbe();
  mount!: MountInfo;
  private constructor(
    readonly lf: LoopFs,
    private readonly source: KernelLogSource,
    private readonly pipeline: Pipeline,
    private readonly queue: EventQueue,
    private readonly log: MemoryLog,
  ) {}

  static async start(lf: LoopFs): Promise<XfsWatch> {
    const source = new KernelLogSource();
    let log: MemoryLog | null = null;
    const c = buildContainer({
      config: validateConfig({ host: 'xfs-live-test', queue: { lingerMs: LINGER_MS }, store: { enabled: false }, stdout: { enabled: false } }),
      log: (_schema, codec) => (log = new MemoryLog(codec, { host: 'xfs-live-test' })),
      sources: [source],
      warn: (m) => assert.fail(`pipeline warning: ${m}`),
    });
    const pipeline = c.get<Pipeline>(TOKENS.Pipeline);
    const w = new XfsWatch(lf, source, pipeline, c.get<EventQueue>(TOKENS.Queue), c.get<MemoryLog>(TOKENS.EventLog));
    assert.equal(log, w.log);
    await pipeline.start();
    await w.mounted();
    return w;
  }

  /** What the live source does when the filesystem (re)appears in the mount table. */
  async mounted(): Promise<void> {
    const m = readMountTable().find((x) => x.mountPoint === this.lf.mountPoint);
    assert.ok(m, `${this.lf.mountPoint} is mounted`);
    this.mount = { ...m, ...(await this.probe.onMount(m)) };
    this.source.inject([{ source: 'mount', action: 'mounted', mount: this.mount, readAtUs: Date.now() * 1000, fanotify: false }]);
  }

  unmounted(): void {
    this.source.inject([{ source: 'mount', action: 'unmounted', mount: this.mount, readAtUs: Date.now() * 1000 }]);
  }

  /** One probe poll, as the live source runs it on its timer and after an error. */
  async poll(): Promise<RawRecord[]> {
    const records = await this.probe.poll(this.mount);
    this.source.inject(records);
    return records;
  }

  /** Wait until every kernel record logged so far went through the pipeline into the store. */
  async settle(): Promise<void> {
    const seq = newestKmsgSeq();
    const deadline = Date.now() + 15_000;
    while ((this.source.watcher!.lastKmsgSeq() ?? -1) < seq) {
      assert.ok(Date.now() < deadline, `reader did not reach kmsg seq ${seq}`);
      await sleep(20);
    }
    let head = -1;
    while (this.queue.length > 0 || this.log.headOffset() !== head) {
      assert.ok(Date.now() < deadline, 'pipeline did not drain');
      head = this.log.headOffset();
      await sleep(LINGER_MS * 3);
    }
    assert.deepEqual(this.source.errors, [], 'watcher errors');
  }

  /** Stored events of this filesystem, oldest first. */
  events(): FsEvent<XfsBlob>[] {
    return this.log.query({ device: this.lf.device }).map((s) => s.event as FsEvent<XfsBlob>);
  }

  async stop(): Promise<void> {
    await this.pipeline.stop();
  }
}

/** Run a command that is expected to fail on the damaged filesystem; true when it failed. */
function fails(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    return false;
  } catch {
    return true;
  }
}

/** AG of an inode from the superblock (xfs_db), independent of the plugin's arithmetic. */
function agOfInode(loopDev: string, ino: number): number {
  const out = sh('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p agblklog inopblog', loopDev]);
  const agblklog = Number(/agblklog = (\d+)/.exec(out)![1]);
  const inopblog = Number(/inopblog = (\d+)/.exec(out)![1]);
  return Math.floor(ino / 2 ** (agblklog + inopblog));
}

/** Directories d1..d4 with three files each: XFS spreads new directories over the AGs. */
function populate(lf: LoopFs): { file: string; ino: number }[] {
  const out: { file: string; ino: number }[] = [];
  for (const d of ['d1', 'd2', 'd3', 'd4']) {
    fs.mkdirSync(path.join(lf.mountPoint, d));
    for (const f of ['f1', 'f2', 'f3']) {
      const file = path.join(d, f);
      fs.writeFileSync(path.join(lf.mountPoint, file), `${file}\n`);
      out.push({ file, ino: fs.statSync(path.join(lf.mountPoint, file)).ino });
    }
  }
  return out;
}

/** Read a whole block device 1 MiB at a time; returns how many reads failed with EIO. */
function readDevice(dev: string): number {
  const fd = fs.openSync(dev, 'r');
  const buf = Buffer.alloc(1 << 20);
  let failed = 0;
  try {
    for (let pos = 0; ; pos += buf.length) {
      try {
        if (fs.readSync(fd, buf, 0, buf.length, pos) === 0) return failed;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EIO') throw e;
        failed++;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

const total = (es: FsEvent[]) => es.reduce((n, e) => n + e.count, 0);

test('inode cluster with a bad magic: inode events in the right AG with errno 117; the probe finds AG INODES sick', async () => {
  const lf = newPool('fsfault-xfs-live-inode-').create('xfs');
  const files = populate(lf);
  pool(lf).umount(lf);
  // the root inode cluster lives in AG0: damaging it would make the mount fail
  const victim = files.map((f) => ({ ...f, ag: agOfInode(lf.loopDev, f.ino) })).find((f) => f.ag >= 1);
  assert.ok(victim, 'a file outside AG0');
  sh('xfs_db', ['-x', '-c', `inode ${victim.ino}`, '-c', 'write -d core.magic 0', lf.loopDev]);
  pool(lf).mount(lf);
  const w = await XfsWatch.start(lf);
  try {
    assert.equal(w.mount.geometry?.blocksize, 4096);
    assert.ok((w.mount.geometry?.agcount ?? 0) >= 2 && (w.mount.geometry?.agblocks ?? 0) > 0);
    const before = await w.poll();
    assert.ok(before.every((r) => r.source === 'ioctl' && r.sick === 0 && r.failure === null), 'healthy before the read');
    assert.equal(before.filter((r) => r.source === 'ioctl' && r.scope === 'ag').length, w.mount.geometry!.agcount);

    assert.ok(fails('stat', [path.join(lf.mountPoint, victim.file)]), 'stat of the damaged inode fails');
    await w.settle();
    // the live source polls shortly after an error
    const after = await w.poll();
    const sickAg = after.find((r) => r.source === 'ioctl' && r.scope === 'ag' && r.sick !== 0);
    assert.ok(sickAg && sickAg.source === 'ioctl', 'an AG reports sick flags');
    assert.equal(sickAg.index, victim.ag);
    assert.equal(sickAg.sick, 1 << 10, 'XFS_AG_GEOMETRY_SICK_INODES');
    await w.settle();

    const es = w.events();
    const inodeEvents = es.filter((e) => e.blob!.metadataType === 'inode');
    assert.ok(inodeEvents.length >= 1, `inode events: ${JSON.stringify(es.map((e) => e.blob))}`);
    for (const e of inodeEvents) {
      assert.equal(e.kind, 'ERROR');
      assert.equal(e.errno, 117);
      assert.equal(e.blob!.agno, victim.ag, 'AG from the daddr and the FSGEOMETRY the probe attached to the mount');
    }
    const verifier = inodeEvents.find((e) => e.blob!.messageType === 'verifier');
    assert.ok(verifier, 'the cluster verifier report');
    assert.equal(verifier.blob!.structure, 'xfs_inode');
    assert.ok((verifier.blob!.dumpBytes ?? 0) > 0, 'the hex dump folded into the report');
    const withInodes = es.filter((e) => e.blob!.agno === victim.ag && e.blob!.agSick.includes('inodes'));
    assert.ok(withInodes.length >= 1, 'AG health event, or the flag merged into the verifier event');
    assert.ok(es.length <= 3, `a handful of events, got ${es.length}`);
  } finally {
    await w.stop();
  }
});

test('directory block with a bad magic: repeated ls/find merge into a handful of events with large counts', async (t) => {
  const lf = newPool('fsfault-xfs-live-dir-').create('xfs');
  const dir = path.join(lf.mountPoint, 'big');
  fs.mkdirSync(dir);
  // enough long names for a leaf-format directory (several data blocks)
  for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(dir, `entry-with-a-long-name-${String(i).padStart(4, '0')}`), '');
  pool(lf).umount(lf);
  sh('xfs_db', ['-x', '-c', 'path /big', '-c', 'dblock 0', '-c', 'write -d dhdr.hdr.magic 0', lf.loopDev]);
  pool(lf).mount(lf);
  const w = await XfsWatch.start(lf);
  try {
    let failed = 0;
    for (let i = 0; i < 8; i++) {
      if (fails('ls', [dir])) failed++;
      if (fails('find', [dir])) failed++;
    }
    assert.equal(failed, 16, 'every read of the directory fails');
    await w.settle();
    await w.poll();
    await w.settle();
    const es = w.events();
    const dirEvents = es.filter((e) => e.blob!.metadataType === 'dir3_data');
    assert.ok(es.length < 10, `${es.length} events: ${JSON.stringify(es.map((e) => [e.count, e.blob!.messageType, e.blob!.metadataType, e.errno]))}`);
    assert.ok(dirEvents.length >= 1);
    for (const e of dirEvents) {
      assert.ok(e.errno === 74 || e.errno === 117, `CRC or corruption errno, got ${e.errno}`);
      assert.ok(e.subtypes & 1, 'metadata subtype');
    }
    t.diagnostic(`${failed} failed reads → ${es.length} events: ${es.map((e) => `${e.blob!.metadataType}/${e.errno}×${e.count}`).join(', ')}`);
    assert.ok(total(dirEvents) >= failed, `count ${total(dirEvents)} covers ${failed} failed reads`);
    const crc = dirEvents.find((e) => e.errno === 74);
    assert.ok(crc, 'the CRC error of the read');
    assert.ok(crc.count >= failed / 2, `merged: count ${crc.count}`);
  } finally {
    await w.stop();
  }
});

test('xfs_io shutdown: one DIED (shutdown: user); later accesses add no ERROR; the failed probe is inert; a remount is watched again', async () => {
  const p = newPool('fsfault-xfs-live-shutdown-');
  // a dinode with a bad mode (CRC recomputed), only read after the remount
  const lf = p.create('xfs', { mount: false });
  p.mount(lf);
  const files = populate(lf);
  p.umount(lf);
  const victim = files.find((f) => agOfInode(lf.loopDev, f.ino) >= 1)!;
  sh('xfs_db', ['-x', '-c', `inode ${victim.ino}`, '-c', 'write core.mode 0170644', lf.loopDev]);
  p.mount(lf);
  const w = await XfsWatch.start(lf);
  try {
    sh('xfs_io', ['-x', '-c', 'shutdown', lf.mountPoint]);
    await w.settle();
    let es = w.events();
    assert.equal(es.length, 1, JSON.stringify(es));
    const died = es[0]!;
    assert.equal(died.kind, 'DIED');
    assert.equal(died.death!.reason, 'shutdown: user');
    assert.equal(died.blob!.shutdownFlags, 0x6);

    for (const a of [['touch', path.join(lf.mountPoint, 'zz')], ['ls', path.join(lf.mountPoint, 'd1')], ['cat', path.join(lf.mountPoint, 'd1', 'f1')]]) {
      assert.ok(fails(a[0]!, a.slice(1)), `${a.join(' ')} fails on the dead filesystem`);
    }
    const probed = await w.poll();
    assert.equal(probed.length, 1);
    assert.ok(probed[0]!.source === 'ioctl' && probed[0]!.failure === 'EIO', JSON.stringify(probed));
    assert.deepEqual(await w.poll(), [], 'backed off: no ioctl on the next poll');
    await w.settle();
    es = w.events();
    assert.equal(es.filter((e) => e.kind === 'ERROR').length, 0, 'no ERROR after the death');
    assert.equal(es.filter((e) => e.kind === 'DIED').length, 1);

    w.unmounted();
    p.umount(lf);
    p.mount(lf);
    await w.mounted();
    assert.ok(fails('stat', [path.join(lf.mountPoint, victim.file)]), 'the bad dinode fails to load');
    await w.settle();
    es = w.events();
    const revived = es.filter((e) => e.kind === 'ERROR');
    assert.equal(revived.length, 1, JSON.stringify(es));
    assert.equal(revived[0]!.errno, 117);
    assert.equal(revived[0]!.inode, victim.ino);
    assert.equal(revived[0]!.blob!.structure, 'dinode');
    const again = await w.probe.poll(w.mount);
    assert.ok(again.length > 0 && again.every((r) => r.source === 'ioctl' && r.failure === null), 'the probe works again after the remount');
  } finally {
    await w.stop();
  }
});

test('kernel errors on the device of a dead XFS are counted as suppressed, never reported as ERROR', async (t) => {
  // XFS logs nothing for accesses after a shutdown (every entry point returns EIO first), so the
  // errors come from below: the XFS image lives on an ext4 whose device is then shrunk, and raw
  // reads of the XFS device fail in the block layer ("I/O error, dev loopN, sector ...").
  const outer = newPool('fsfault-xfs-live-outer-').create('ext4', { sizeMiB: 400 });
  outerDir = outer.mountPoint;
  const tmp = process.env.TMPDIR;
  process.env.TMPDIR = outer.mountPoint;
  let inner: LoopFsPool;
  try {
    inner = newPool('inner-');
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  }
  // written in full (not sparse), so the image spreads over the outer device
  const lf = inner.create('xfs', {
    prepare: (image) => {
      sh('dd', ['if=/dev/zero', `of=${image}`, 'bs=1M', 'count=320', 'conv=notrunc', 'status=none']);
      sh('mkfs.xfs', ['-q', '-f', '-K', image]);
    },
  });
  const w = await XfsWatch.start(lf);
  try {
    sh('xfs_io', ['-x', '-c', 'shutdown', lf.mountPoint]);
    await w.settle();
    assert.deepEqual(w.events().map((e) => e.kind), ['DIED']);

    sh('sync', []);
    fs.truncateSync(outer.image, 200 * 1024 * 1024);
    sh('losetup', ['-c', outer.loopDev]);
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    const failedReads = readDevice(lf.loopDev);
    assert.ok(failedReads >= 1, 'raw reads of the XFS device fail where the outer device was cut');
    await w.settle();
    const es = w.events();
    assert.equal(es.filter((e) => e.kind === 'ERROR').length, 0, JSON.stringify(es.map((e) => [e.kind, e.count, e.blob?.messageType])));
    const died = es.find((e) => e.kind === 'DIED')!;
    const suppressed = died.death!.suppressed + es.filter((e) => e.kind === 'SUPPRESSED').reduce((n, e) => n + e.death!.suppressed, 0);
    t.diagnostic(`${failedReads} failed 1 MiB reads after the death → suppressed ${suppressed}, events ${es.map((e) => e.kind).join(',')}`);
    assert.ok(suppressed >= 1, `suppressed ${suppressed}: ${JSON.stringify(es)}`);
  } finally {
    await w.stop();
  }
});

test('device shrunk under a mounted XFS: I/O error events with the disk address beyond the new end', async (t) => {
  const p = newPool('fsfault-xfs-live-eio-');
  const lf = p.create('xfs');
  const w = await XfsWatch.start(lf);
  try {
    for (const d of ['a', 'b', 'c', 'e']) {
      fs.mkdirSync(path.join(lf.mountPoint, d));
      for (const f of ['f1', 'f2', 'f3']) fs.writeFileSync(path.join(lf.mountPoint, d, f), Buffer.alloc(20000, 7));
    }
    sh('sync', []);
    const keepMiB = 180;
    fs.truncateSync(lf.image, keepMiB * 1024 * 1024);
    sh('losetup', ['-c', lf.loopDev]);
    sh('chmod', ['600', ...['a', 'b', 'c', 'e'].map((d) => path.join(lf.mountPoint, d, 'f1'))]);
    sh('sync', []);
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    for (const d of ['a', 'b', 'c', 'e']) fails('cat', [path.join(lf.mountPoint, d, 'f2')]);
    await w.settle();
    const es = w.events();
    const io = es.filter((e) => e.errno === 5 && e.blob!.daddr !== null);
    assert.ok(io.length >= 1, JSON.stringify(es.map((e) => [e.kind, e.count, e.blob!.messageType, e.blob!.daddr])));
    t.diagnostic(es.map((e) => `${e.kind} ${e.blob!.messageType} errno=${e.errno} ×${e.count} daddr=${e.blob!.daddr} ag=${e.blob!.agno}`).join('; '));
    const endSector = (keepMiB * 1024 * 1024) / 512;
    assert.ok(io.some((e) => e.blob!.daddr! >= endSector), 'an address beyond the shrunk device');
    for (const e of io) assert.ok(e.subtypes & (1 << 4), 'io subtype');
  } finally {
    await w.stop();
  }
});

function pool(lf: LoopFs): LoopFsPool {
  return pools.find((p) => lf.image.startsWith(p.dir))!;
}
