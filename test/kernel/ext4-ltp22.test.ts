/**
 * LTP fanotify22's four cases (kernel-error-sources.md 2.1) through the whole live pipeline on a
 * real loop-mounted ext4 (root, debugfs): one watch for all cases, so each case also checks that
 * the live source marks the filesystem again after the umount/mount between cases.
 *
 * The corrupt image is LTP's: internal_dir/bad_dir gets mode 0377 (no file type) and
 * internal_dir/bad_link points to inode 1. Each case's triggers run in one child process, as in
 * LTP. The kernel merges errors of one process only while the event is unread; the live reader
 * reads at once, so the errors of a case may arrive as several events, and the checks are LTP's
 * consolidation (fanotify22 since 2026): the sum of counts over the case's events, and the first
 * event carries the first error's errno and FID.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FsEvent } from '../../core/model/event';
import { nameToHandle, statfsFsid } from '../../native/index';
import type { Ext4Blob } from '../../plugins/ext4';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { WatchHarness } from '../helpers/watch-harness';

let pool: LoopFsPool;
let lf: LoopFs;
let h: WatchHarness;
const fid: Record<'dir' | 'badDir', string> = { dir: '', badDir: '' };

/** LTP's trigger: every step from this one process (errors of one pid merge in the kernel). */
const TRIGGER = `
import ctypes, os, sys
mnt, dev = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
for step in sys.argv[3:]:
    if step == 'abort':
        libc.mount(dev.encode(), mnt.encode(), b'ext4', 0x20 | 0x1, b'abort')  # MS_REMOUNT|MS_RDONLY
    else:
        try: os.close(os.open(mnt + '/internal_dir/' + step, os.O_RDONLY))
        except OSError: pass
print(os.getpid())
`;

before(async () => {
  requireKernelPrereqs(['mkfs.ext4', 'debugfs', 'python3', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-ltp22-');
  lf = pool.create('ext4');
  fs.mkdirSync(path.join(lf.mountPoint, 'internal_dir/bad_dir'), { recursive: true });
  fid.dir = nameToHandle(path.join(lf.mountPoint, 'internal_dir')).handleHex;
  fid.badDir = nameToHandle(path.join(lf.mountPoint, 'internal_dir/bad_dir')).handleHex;
  pool.umount(lf);
  sh('debugfs', ['-w', '-R', 'sif internal_dir/bad_dir mode 0xff', lf.loopDev]);
  sh('debugfs', ['-w', '-R', 'ln <1> internal_dir/bad_link', lf.loopDev]);
  pool.mount(lf);
  h = await WatchHarness.start({ mountPoints: [lf.mountPoint], settleMs: 300 });
});

// LTP remounts after each case: it takes the filesystem out of the aborted state. Also after a
// failed case, so that the next one starts from a live filesystem.
afterEach(async () => {
  await remount();
});

after(async () => {
  await h?.stop();
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

/** Remount (LTP does it after each case) and wait until the live source has marked the new superblock. */
async function remount(): Promise<void> {
  // mountinfo reuses mount ids: the never-reused unique id tells the new mount apart.
  const before = h.source.watched().find((f) => f.mount.device === lf.device)?.mount.uniqueId;
  pool.umount(lf);
  pool.mount(lf);
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = h.source.watched().find((f) => f.mount.device === lf.device);
    if (now && now.mount.uniqueId !== before && now.fanotify) return;
    if (Date.now() > deadline) throw new Error(`the live source did not mark ${lf.mountPoint} again after the remount: ${JSON.stringify(now)} (was mount ${before}); warnings: ${h.warnings.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Run one case's triggers in one process; return its pid and the events of this case. */
async function runCase(steps: string[], expectedErrors: number): Promise<{ pid: number; events: FsEvent[] }> {
  const from = h.events.length;
  const r = spawnSync('python3', ['-c', TRIGGER, lf.mountPoint, lf.loopDev, ...steps], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const pid = Number(r.stdout.trim());
  const mine = () => h.events.slice(from).filter((e) => e.fs.device === lf.device);
  await h.waitFor(`${expectedErrors} errors of ${steps.join('+')}`, () => mine().reduce((n, e) => n + (e.kind === 'LOST' ? 0 : e.count), 0) >= expectedErrors);
  await new Promise((res) => setTimeout(res, 500)); // anything more would arrive now
  return { pid, events: mine() };
}

const total = (evs: FsEvent[]) => evs.reduce((n, e) => n + (e.kind === 'LOST' ? 0 : e.count), 0);
const fanotifyEvent = (evs: FsEvent[]) => evs.find((e) => e.sources.includes('fanotify'));

test('case 0, trigger abort: errno 108 (ESHUTDOWN), count 1, superblock handle, the filesystem DIED', async () => {
  const { events } = await runCase(['abort'], 1);
  assert.equal(total(events), 1, JSON.stringify(events));
  const e = fanotifyEvent(events)!;
  assert.equal(e.kind, 'DIED');
  assert.equal(e.death?.reason, 'journal-abort');
  assert.equal(e.errno, 108);
  assert.equal(e.handleType, 255);
  assert.equal(e.handle, '');
  assert.equal(e.fs.fsid, statfsFsid(lf.mountPoint));
  assert.deepEqual([...e.sources].sort(), ['fanotify', 'kmsg'], 'the log line and the fanotify event are one DIED event');
});

test('case 1, lookup of an inode with an invalid mode: errno 117, count 1, the bad inode handle, its path or a clean path error', async () => {
  const { pid, events } = await runCase(['bad_dir'], 1);
  const e = fanotifyEvent(events)!;
  assert.equal(e.kind, 'ERROR');
  assert.equal(e.errno, 117);
  assert.equal(e.count, 1, JSON.stringify(events));
  assert.equal(e.handleType, 1);
  assert.equal(e.handle, fid.badDir);
  assert.equal(e.inode, 13);
  assert.equal((e.blob as Ext4Blob).pid, pid);
  assert.equal((e.blob as Ext4Blob).message, 'iget: bogus i_mode (377)');
  assert.equal(e.path, null, 'a corrupt inode cannot be opened by handle');
  assert.equal(h.source.handles.stats.selfInflicted, 1, 'the failed lookup re-reported the inode once, and that was dropped');
  assert.equal(total(events), 1, `nothing else counted: ${JSON.stringify(events)}`);
});

test('case 2, multiple error submission: count 2, the first error (internal_dir) handle and path', async () => {
  const { pid, events } = await runCase(['bad_link', 'bad_dir'], 2);
  const e = fanotifyEvent(events)!;
  assert.equal(e.errno, 117);
  assert.equal(total(events), 2, JSON.stringify(events));
  assert.equal(e.handle, fid.dir, 'the first error is reported against the directory');
  assert.equal(e.inode, 12);
  assert.equal(e.path, path.join(lf.mountPoint, 'internal_dir'), 'a healthy directory resolves');
  assert.equal((e.blob as Ext4Blob).pid, pid);
  assert.ok(events.filter((x) => x.count > 0).every((x) => x.errno === 117), 'both errors are EUCLEAN');
});

test('case 3, multiple error submission 2: bad inode then abort from one process: count 2, first the bad inode FID, then DIED', async () => {
  const { pid, events } = await runCase(['bad_dir', 'abort'], 2);
  const e = fanotifyEvent(events)!;
  assert.equal(e.errno, 117, 'the first error is kept');
  assert.equal(e.handle, fid.badDir);
  assert.equal((e.blob as Ext4Blob).pid, pid);
  assert.equal(total(events), 2);
  assert.ok(events.some((x) => x.kind === 'DIED' && x.death?.reason === 'journal-abort'), 'the abort line kills the filesystem');
});
