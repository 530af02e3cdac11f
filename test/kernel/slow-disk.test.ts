/**
 * A failing disk must not stall the agent (README "A failing disk does not stall the agent").
 * The filesystem sits on a loop device whose backing file is served by slowdisk (FUSE,
 * test/helpers/slow-disk.ts): reads of one inode-table block first fail with EIO (a real ext4
 * error whose fanotify handle names that inode) and then take 12 s each. fsfault's lookup of that
 * handle (open_by_handle_at reads the block) therefore hangs for 12 s in the kernel. Meanwhile the
 * filesystem reports thousands more errors into the kernel log; they must all be read (no
 * kmsg-overrun loss), and the event must go on without its path, marked pathError TIMEOUT,
 * within lookupTimeoutMs plus a margin — not after the disk answered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopFsPool, requireKernelPrereqs, sh } from '../helpers/loopfs';
import { SlowDisk } from '../helpers/slow-disk';
import { WatchHarness } from '../helpers/watch-harness';
import type { FsEvent } from '../../core/model/event';

const DELAY_MS = 12_000;
const LOOKUP_TIMEOUT_MS = 1000;
const FLOOD = 4000; // ~270/s from the shell: more than the ring (~1,300 such lines) and the reader's batches hold while a JS thread would wait DELAY_MS

/** Byte range of the inode-table block holding `file`'s inode (debugfs imap). */
function itableBlock(image: string, file: string): { ino: number; start: number; length: number } {
  const bs = Number(/Block size:\s+(\d+)/.exec(sh('dumpe2fs', ['-h', image]))![1]);
  const ino = Number(/Inode:\s+(\d+)/.exec(sh('debugfs', ['-R', `stat /${file}`, image]))![1]);
  const m = /located at block (\d+)/.exec(sh('debugfs', ['-R', `imap /${file}`, image]));
  assert.ok(m, `debugfs imap of ${file}`);
  return { ino, start: Number(m[1]) * bs, length: bs };
}

test('reads taking seconds: the kernel log keeps flowing, the event goes on without its path (TIMEOUT) within a bound', async () => {
  requireKernelPrereqs(['mkfs.ext4', 'debugfs', 'dumpe2fs', 'losetup', 'fusermount3', 'cc', 'pkg-config']);
  let disk: SlowDisk | null = null;
  let h: WatchHarness | null = null;
  // The flood comes from a second, healthy filesystem: the slow one's loop device is busy with the
  // delayed read (loop serves its requests in order), a healthy disk keeps erring at full speed.
  const pool = new LoopFsPool();
  try {
    const noisy = pool.create('ext4', { mountOpts: 'errors=continue' });
    pool.setSysctl(`/sys/fs/ext4/${noisy.device}/err_ratelimit_interval_ms`, '0');
    disk = await SlowDisk.create('ext4', {
      sizeMiB: 64,
      mkfsArgs: ['-b', '4096'],
      // 40 files: the victim's inode is in another inode-table block than the root's, and no
      // readahead reads it along with the root at mount.
      prepare: (image) => sh('debugfs', ['-w', '-f', '-', image], { input: Array.from({ length: 40 }, (_, i) => `write /etc/hostname f${i}`).join('\n') + '\n' }),
      mountOpts: 'errors=continue,inode_readahead_blks=0',
    });
    const victim = itableBlock(disk.image, 'f39');
    assert.ok(victim.start > 0);
    fs.writeFileSync(`/sys/fs/ext4/${disk.device}/err_ratelimit_interval_ms`, '0');

    h = await WatchHarness.start({ mountPoints: [disk.mountPoint, noisy.mountPoint], lookupTimeoutMs: LOOKUP_TIMEOUT_MS, config: { sources: { counters: { enabled: false }, health: { enabled: false } } } });
    const w0 = h.source.watcherStats()!;

    // The first read of the block fails (the error), every later one takes DELAY_MS (the lookup).
    disk.delay(victim.start, victim.length, DELAY_MS);
    disk.fail(victim.start, victim.length, 1);
    const t0 = Date.now();
    const statFailed = await new Promise<boolean>((resolve) => execFile('stat', [path.join(disk!.mountPoint, 'f39')], (err) => resolve(err !== null)));
    assert.ok(statFailed, 'stat of the inode with the unreadable block fails');

    // While the lookup hangs in the kernel: a flood of errors into the kernel log, written by a
    // shell (echo is a builtin: one write each) so that this process only watches.
    const trigger = `/sys/fs/ext4/${noisy.device}/trigger_fs_error`;
    const flooding = new Promise<void>((resolve, reject) =>
      execFile('bash', ['-c', `for i in $(seq ${FLOOD}); do echo "slow-disk flood $i" > ${trigger}; done`], { timeout: 120_000 }, (err) => (err ? reject(err) : resolve())),
    );

    // The kernel-log line about the inode may arrive as an event of its own before the fanotify
    // event is fused with it; the event whose handle lookup timed out is the one to check.
    const timedOut = (e: FsEvent) => e.inode === victim.ino && e.pathError === 'TIMEOUT';
    await h.waitFor('the event of the unreadable inode', (es) => es.some(timedOut), LOOKUP_TIMEOUT_MS + 4000);
    const arrivedMs = Date.now() - t0;
    const ev = h.events.find(timedOut)!;
    assert.equal(ev.path, null);
    assert.equal(ev.pathError, 'TIMEOUT');
    assert.ok(arrivedMs < DELAY_MS, `handed on after ${arrivedMs} ms: before the disk answered (${DELAY_MS} ms)`);
    assert.ok(disk.counters().delayed >= 1, 'the lookup really waited for the disk');

    // Every flood record was read: no overrun, no loss.
    await flooding;
    await h.waitFor('the flood', () => h!.source.watcherStats()!.kmsgRecords - w0.kmsgRecords >= FLOOD, 20_000);
    const w1 = h.source.watcherStats()!;
    assert.equal(w1.kmsgLostRecords - w0.kmsgLostRecords, 0, 'no kernel-log record lost');
    assert.equal(w1.kmsgOverruns - w0.kmsgOverruns, 0);
    assert.equal(h.events.filter((e) => e.kind === 'LOST').length, 0, JSON.stringify(h.events.filter((e) => e.kind === 'LOST').map((e) => e.lost)));
    const c = h.source.counters();
    assert.ok(c.resolveTimeouts >= 1, `timeouts counted: ${JSON.stringify(c)}`);
    // fanotify merges errors of one filesystem that arrive while one is pending into its count.
    const errors = () => h!.eventsOf(noisy.device).filter((e) => e.kind === 'ERROR').reduce((n, e) => n + e.count, 0);
    await h.waitFor('every flood error counted', () => errors() >= FLOOD, 10_000);
  } finally {
    await h?.stop();
    const problems = [...(disk?.cleanup() ?? []), ...pool.cleanup()];
    assert.deepEqual(problems, [], 'cleanup');
  }
});
