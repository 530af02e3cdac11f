/**
 * ext4 errors=remount-ro on Linux 6.15+ (root): the kernel sets EXT4_FLAGS_EMERGENCY_RO, the mount
 * keeps `rw`, and the super options gain `emergency_ro`. The ext4 plugin's state probe turns that
 * into the filesystem's one DIED event, also when the kernel log is not read at all (ratelimited,
 * overrun, or fsfault started late), and together with the log's "Remounting filesystem read-only"
 * line it is still one DIED.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { readMountTable } from '../../native/index';
import { ext4Plugin, type Ext4Blob } from '../../plugins/ext4';
import { LoopFsPool, requireKernelPrereqs } from '../helpers/loopfs';
import type { LoopFs } from '../helpers/loopfs';
import { WatchHarness } from '../helpers/watch-harness';

let pool: LoopFsPool;
let h: WatchHarness | undefined;

before(() => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  const [maj, min] = os.release().split('.').map(Number) as [number, number];
  assert.ok(maj > 6 || (maj === 6 && min >= 15), `emergency_ro needs Linux 6.15+ (this is ${os.release()})`);
  pool = new LoopFsPool('fsfault-ext4-ero-');
});

after(async () => {
  await h?.stop();
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
});

const superOptions = (lf: LoopFs) => readMountTable().find((m) => m.mountPoint === lf.mountPoint)!.options;
const trigger = (lf: LoopFs, msg: string) => fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, msg);
const died = (lf: LoopFs) => (evs: readonly { kind: string; fs: { device: string | null } }[]) => evs.some((e) => e.kind === 'DIED' && e.fs.device === lf.device);

async function run(lf: LoopFs, config: Record<string, unknown>) {
  h = await WatchHarness.start({ mountPoints: [lf.mountPoint], probes: [ext4Plugin.createProbe!()], settleMs: 100, config });
  await new Promise((r) => setTimeout(r, 300)); // marked and first probe poll done: healthy
  assert.equal(h.events.filter((e) => e.kind === 'DIED').length, 0, 'no DIED while healthy');
  trigger(lf, 'emergency ro test');
  await h.waitFor('the DIED event', died(lf));
  await new Promise((r) => setTimeout(r, 700)); // later polls and the log line must add no second DIED
  const evs = h.eventsOf(lf.device);
  await h.stop();
  h = undefined;
  return evs;
}

test('errors=remount-ro: the mount stays rw and gains emergency_ro; without the kernel log the probe alone makes one DIED', async () => {
  const lf = pool.create('ext4', { mountOpts: 'errors=remount-ro' });
  const evs = await run(lf, { sources: { kmsg: false } });
  const opts = superOptions(lf);
  assert.ok(opts.includes('emergency_ro'), `super options ${opts.join(',')}`);
  assert.ok(opts.includes('rw') && !opts.includes('ro'), 'the mount flags still say rw');
  const deaths = evs.filter((e) => e.kind === 'DIED');
  assert.equal(deaths.length, 1, `one DIED: ${JSON.stringify(evs.map((e) => [e.kind, e.sources, (e.blob as Ext4Blob | null)?.messageType]))}`);
  // fanotify reported the error itself; the death came from the probe (there is no log here).
  assert.ok(deaths[0]!.sources.includes('ioctl') || evs.some((e) => (e.blob as Ext4Blob | null)?.messageType === 'emergency-ro'), 'the state probe saw it');
  assert.equal(deaths[0]!.death?.reason, 'remount-ro');
});

test('with the kernel log too, "Remounting filesystem read-only" and emergency_ro are still one DIED', async () => {
  const lf = pool.create('ext4', { mountOpts: 'errors=remount-ro' });
  const evs = await run(lf, {});
  assert.equal(evs.filter((e) => e.kind === 'DIED').length, 1);
  assert.ok(superOptions(lf).includes('emergency_ro'));
});
