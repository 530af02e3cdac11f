import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CounterReconciler } from '../../core/pipeline/counter-reconciler';
import { MountTable } from '../../core/pipeline/mount-table';
import type { LossReport } from '../../core/queue/queue-types';
import type { FsEvent } from '../../core/model/event';
import type { CounterRecord } from '../../core/model/raw-record';
import { ext4Plugin } from '../../plugins/ext4';

const MOUNT = { mountId: 1, mountPoint: '/mnt/e', device: 'loop3', majorMinor: '7:3', fsType: 'ext4', fsid: 'aaaaaaaabbbbbbbb', uuid: null, options: [] };

function setup(stored: Record<string, string> = {}) {
  const mounts = new MountTable();
  mounts.add(MOUNT);
  const losses: LossReport[] = [];
  let now = 0;
  const r = new CounterReconciler({
    probeFor: (t) => (t === 'ext4' ? ext4Plugin.counters : undefined),
    mounts,
    reportLoss: (l) => losses.push(l),
    storedCursor: (n) => stored[n] ?? null,
    quietMs: 1000,
    warn: () => undefined,
    nowMs: () => now,
  });
  const reading = (total: number, atMs: number): void => {
    now = atMs;
    const rec: CounterRecord = { source: 'sysfs', device: 'loop3', fsType: 'ext4', readAtUs: atMs * 1000, counters: { errors_count: total } };
    r.observe(rec);
  };
  const event = (count: number): FsEvent =>
    ({ kind: 'ERROR', count, fs: mounts.identity('ext4', 'loop3') }) as FsEvent;
  return { r, losses, reading, event };
}

describe('counter reconciler', () => {
  it('takes the first quiet reading as the baseline, then reports only the shortfall', () => {
    const { r, losses, reading, event } = setup();
    reading(5, 0);
    reading(5, 1500); // quiet: baseline 5
    r.seen(event(3), 'queued');
    reading(10, 2000);
    reading(10, 2500); // not quiet long enough
    assert.equal(losses.length, 0);
    reading(10, 3100); // quiet: 5 more counted, 3 seen → 2 lost
    assert.deepEqual(losses.map((l) => [l.reason, l.count, l.device]), [['counter-mismatch', 2, 'loop3']]);
    reading(10, 5000);
    assert.equal(losses.length, 1, 'a shortfall is reported once');
  });

  it('never compares while the counter moves (the fanotify event may still be in flight)', () => {
    const { r, losses, reading, event } = setup();
    reading(0, 0);
    reading(0, 1000);
    for (let t = 1; t <= 20; t++) reading(t, 1000 + t * 100);
    assert.equal(losses.length, 0);
    r.seen(event(20), 'merged');
    reading(20, 4000);
    assert.equal(losses.length, 0, 'every counted error was seen');
  });

  it('after a restart reports what the kernel counted while fsfault was stopped', () => {
    const { r, losses, reading } = setup({ 'counters.aaaaaaaabbbbbbbb': JSON.stringify({ total: 7 }) });
    reading(9, 0);
    reading(9, 1200);
    assert.deepEqual(losses.map((l) => [l.reason, l.count]), [['counter-while-stopped', 2]]);
    assert.deepEqual(r.cursors(), { 'counters.aaaaaaaabbbbbbbb': JSON.stringify({ total: 9 }) });
  });

  it('starts over when the counter goes back (e2fsck cleared it)', () => {
    const { losses, reading } = setup({ 'counters.aaaaaaaabbbbbbbb': JSON.stringify({ total: 50 }) });
    reading(2, 0);
    reading(2, 1200);
    assert.equal(losses.length, 0);
  });

  it('excused errors (fsfault\'s own handle lookups) are not losses', () => {
    const { r, losses, reading } = setup();
    reading(1, 0);
    reading(1, 1100);
    r.excuse('ext4', 'loop3', 4);
    reading(5, 1200);
    reading(5, 2300);
    assert.equal(losses.length, 0);
  });
});
