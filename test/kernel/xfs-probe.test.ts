/**
 * XfsHealthProbe and xfsMode (plugins/xfs/probe/) on the real kernel (root; xfsprogs; python3 for the one ioctl the
 * native addon does not issue), plus xfsMode's 7.0 decision from constructed symbol tables: this
 * machine runs 6.18, where XFS_IOC_HEALTH_MONITOR gives ENOTTY and XFS sends no FAN_FS_ERROR.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { isFsfaultError } from '../../core/errors';
import type { HealthRecord, MountInfo } from '../../core/model/raw-record';
import { XfsHealthProbe } from '../../plugins/xfs/probe/health-probe';
import { featuresFromKallsyms, featuresFromRelease, kernelXfsFeatures, modeOf, xfsMode } from '../../plugins/xfs/probe/mode';
import { readMountTable } from '../../native/index';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';

let pool: LoopFsPool;

before(() => {
  requireKernelPrereqs(['mkfs.xfs', 'xfs_db', 'xfs_io', 'mkfs.ext4', 'losetup', 'mount', 'umount', 'python3']);
  pool = new LoopFsPool('fsfault-xfs-probe-');
});

after(() => {
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

function mountOf(lf: LoopFs): MountInfo {
  const m = readMountTable().find((x) => x.mountPoint === lf.mountPoint);
  assert.ok(m, `${lf.mountPoint} is mounted`);
  return m;
}

const health = (rs: Awaited<ReturnType<XfsHealthProbe['poll']>>) => rs as HealthRecord[];

test('onMount: geometry equals the superblock as xfs_db reads it', async () => {
  const lf = pool.create('xfs');
  const { geometry } = await new XfsHealthProbe().onMount(mountOf(lf));
  const sb = sh('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p blocksize agblocks agcount dblocks inodesize sectsize logblocks', lf.loopDev]);
  const v = (k: string) => Number(new RegExp(`^${k} = (\\d+)$`, 'm').exec(sb)![1]);
  assert.deepEqual(geometry, {
    blocksize: v('blocksize'),
    agblocks: v('agblocks'),
    agcount: v('agcount'),
    datablocks: v('dblocks'),
    logblocks: v('logblocks'),
    sectsize: v('sectsize'),
    inodesize: v('inodesize'),
  });
});

test('poll: one fs record and at most maxAgsPerPoll AG records, round robin over every AG', async () => {
  const lf = pool.create('xfs', { sizeMiB: 1400, mkfsArgs: ['-d', 'agcount=20'] });
  const m = mountOf(lf);
  const probe = new XfsHealthProbe({ maxAgsPerPoll: 8 });
  await probe.onMount(m);
  const seen = new Set<number>();
  for (let i = 0; i < 3; i++) {
    const rs = health(await probe.poll(m));
    assert.equal(rs.length, 9, 'fs + 8 AGs');
    assert.deepEqual(rs[0], { ...rs[0]!, source: 'ioctl', device: lf.device, fsType: 'xfs', scope: 'fs', index: null, sick: 0, checked: 0, failure: null });
    for (const r of rs.slice(1)) {
      assert.equal(r.scope, 'ag');
      assert.equal(r.failure, null);
      seen.add(r.index!);
    }
  }
  assert.equal(seen.size, 20, 'ceil(20 / 8) = 3 polls cover every AG');
});

test('after a shutdown: one EIO record, then nothing while backing off; never a throw', async () => {
  const lf = pool.create('xfs');
  const m = mountOf(lf);
  const probe = new XfsHealthProbe({ maxBackoffPolls: 4 });
  await probe.onMount(m);
  sh('xfs_io', ['-x', '-c', 'shutdown', lf.mountPoint]);
  const first = health(await probe.poll(m));
  assert.equal(first.length, 1);
  assert.equal(first[0]!.scope, 'fs');
  assert.equal(first[0]!.failure, 'EIO');
  for (let i = 0; i < 50; i++) assert.deepEqual(await probe.poll(m), [], `poll ${i + 2}: the same failure is not reported again`);
  // mounted while shut down (or gone): no geometry rather than a wrong one
  assert.deepEqual(await probe.onMount(m), {});
  pool.umount(lf);
});

test('xfsMode on 6.18: log+ioctl from the symbol table, and the health-monitor ioctl really is ENOTTY', () => {
  const lf = pool.create('xfs');
  const r = xfsMode(mountOf(lf));
  assert.deepEqual(r, { mountPoint: lf.mountPoint, device: lf.device, mode: 'log+ioctl', healthMonitor: false, fanotifyFsError: false, evidence: 'kallsyms' });
  assert.match(os.release(), /^6\./, 'this suite was written for 6.x; on 7.0 the expectations above flip');
  // XFS_IOC_HEALTH_MONITOR = _IOW('X', 68, struct xfs_health_monitor[32 bytes]), with flags all
  // ones: a 7.0 kernel answers EINVAL (unknown flags) without opening a monitor, 6.x ENOTTY.
  const errno = sh('python3', [
    '-c',
    [
      'import errno, fcntl, os, struct, sys',
      'fd = os.open(sys.argv[1], os.O_RDONLY)',
      'try:',
      '    fcntl.ioctl(fd, 0x40205844, bytearray(struct.pack("<Q", 2**64 - 1) + bytes(24)))',
      '    print("OK")',
      'except OSError as e:',
      '    print(errno.errorcode[e.errno])',
    ].join('\n'),
    lf.mountPoint,
  ]).trim();
  assert.equal(errno, 'ENOTTY');
  assert.equal(r.healthMonitor, errno !== 'ENOTTY');
});

test('xfsMode refuses a mount that is not XFS', () => {
  const lf = pool.create('ext4');
  assert.throws(() => xfsMode(mountOf(lf)), (e: unknown) => isFsfaultError(e, 'CLI_BAD_ARGUMENT') && /is ext4/.test(e.message));
});

test('7.0 decided from constructed symbol tables and releases (not checked on a 7.0 kernel)', () => {
  const table = (...names: string[]) => ['ffffffff81000000 T _stext', 'ffffffff818f2120 T xfs_fs_geometry', ...names].join('\n') + '\n';
  const seven = featuresFromKallsyms(table('ffffffff81a00000 T fserror_report', 'ffffffffc0123456 t xfs_ioc_health_monitor\t[xfs]'));
  assert.deepEqual(seven, { healthMonitor: true, fanotifyFsError: true, evidence: 'kallsyms' });
  assert.equal(modeOf(seven), 'healthmon/fanotify');
  // CONFIG_XFS_HEALTH_MONITOR off: FAN_FS_ERROR still comes, and that is what changes the mode
  const noMonitor = featuresFromKallsyms(table('ffffffff81a00000 T fserror_report'));
  assert.deepEqual(noMonitor, { healthMonitor: false, fanotifyFsError: true, evidence: 'kallsyms' });
  assert.equal(modeOf(noMonitor), 'healthmon/fanotify');
  // a longer name that merely starts with the symbol is not the symbol
  assert.deepEqual(featuresFromKallsyms(table('ffffffff81a00000 T fserror_report_shutdown')), { healthMonitor: false, fanotifyFsError: false, evidence: 'kallsyms' });
  assert.equal(modeOf(featuresFromKallsyms(table())), 'log+ioctl');
  assert.deepEqual(featuresFromRelease('7.0.0-rc1'), { healthMonitor: true, fanotifyFsError: true, evidence: 'kernel-release' });
  assert.deepEqual(featuresFromRelease('6.18.44-fc-v657'), { healthMonitor: false, fanotifyFsError: false, evidence: 'kernel-release' });
  assert.equal(featuresFromRelease('garbage').fanotifyFsError, false);
  // this kernel, for the record
  assert.equal(kernelXfsFeatures().evidence, 'kallsyms');
});
