import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Blob, FsEvent, FsIdentity, SourceName } from '../../core/model/event';
import { fsKey } from '../../core/model/fs-key';
import { EventQueue, QUEUE_EVENT_OVERHEAD_BYTES } from '../../core/queue/event-queue';
import type { QueueHooks, QueueOptions } from '../../core/queue/queue-types';

const SIZE = 100;
const CHARGE = SIZE + QUEUE_EVENT_OVERHEAD_BYTES;

function fs(n: number): FsIdentity {
  return { type: 'ext4', device: `loop${n}`, majorMinor: `7:${n}`, fsid: `00000000000000${String(n).padStart(2, '0')}`, uuid: null, mountPoint: `/mnt/${n}`, mountUid: null };
}

interface TestBlob extends Blob {
  k: string | null;
  mask: number;
  fatal?: boolean;
}

let seq = 0;
function ev(o: { fs?: number; k?: string | null; count?: number; t?: number; errno?: number; fatal?: boolean; mask?: number; subtypes?: number; sources?: SourceName[] } = {}): FsEvent {
  const t = o.t ?? 1000;
  const blob: TestBlob = { k: o.k === undefined ? 'a' : o.k, mask: o.mask ?? 1 };
  if (o.fatal) blob.fatal = true;
  return {
    id: `e${++seq}`,
    host: 'h',
    kind: 'ERROR',
    fs: fs(o.fs ?? 0),
    errno: o.errno ?? 5,
    errnoName: 'EIO',
    count: o.count ?? 1,
    firstSeen: t,
    lastSeen: t,
    sources: o.sources ?? ['kmsg'],
    subtypes: o.subtypes ?? 1,
    inode: 12,
    handleType: null,
    handle: null,
    path: null,
    plugin: 'test',
    blob,
    lost: null,
    death: null,
  };
}

const hooks: QueueHooks = {
  mergeKey: (e) => (e.blob as TestBlob).k,
  merge: (into, from) => ({ ...into.blob, mask: (into.blob as TestBlob).mask | (from.blob as TestBlob).mask }),
  terminal: (e) => ((e.blob as TestBlob).fatal ? 'journal-abort' : null),
};

let ids = 0;
function queue(o: Partial<QueueOptions> = {}): EventQueue {
  return new EventQueue({ budgetBytes: 100 * CHARGE, perFsMaxEvents: 100, sizeOf: () => SIZE, hooks, host: 'h', newId: () => `core${++ids}`, ...o });
}

test('fsKey prefers fsid, then major:minor, then device, then type', () => {
  const f: FsIdentity = { type: 'xfs', device: 'sda1', majorMinor: '8:1', fsid: 'abcd', uuid: null, mountPoint: null, mountUid: null };
  assert.equal(fsKey(f), 'abcd');
  assert.equal(fsKey({ ...f, fsid: null }), '8:1');
  assert.equal(fsKey({ ...f, fsid: null, majorMinor: null }), 'sda1');
  assert.equal(fsKey({ ...f, fsid: null, majorMinor: null, device: null }), 'xfs');
});

test('queues new events FIFO and charges encoded size plus the fixed overhead', () => {
  const q = queue();
  const a = ev({ k: 'a' });
  const b = ev({ k: 'b' });
  assert.equal(q.push(a), 'queued');
  assert.equal(q.push(b), 'queued');
  assert.equal(q.length, 2);
  assert.equal(q.bytes, 2 * CHARGE);
  assert.deepEqual(q.take(1), [a]);
  assert.deepEqual(q.take(), [b]);
  assert.equal(q.length, 0);
  assert.equal(q.bytes, 0);
  assert.deepEqual(q.take(), []);
});

test('merges a queued event of the same filesystem and key', () => {
  const q = queue();
  const a = ev({ k: 'a', count: 2, t: 500, errno: 5, mask: 1, subtypes: 1, sources: ['kmsg'] });
  q.push(a);
  assert.equal(q.push(ev({ k: 'a', count: 3, t: 900, errno: 74, mask: 4, subtypes: 2, sources: ['fanotify', 'kmsg'] })), 'merged');
  assert.equal(q.push(ev({ k: 'a', count: 1, t: 100, mask: 2, sources: ['sysfs'] })), 'merged');
  assert.equal(q.length, 1);
  assert.equal(q.bytes, CHARGE);
  const [m] = q.take();
  assert.equal(m, a);
  assert.equal(m!.count, 6);
  assert.equal(m!.firstSeen, 100);
  assert.equal(m!.lastSeen, 900);
  assert.equal(m!.subtypes, 3);
  assert.deepEqual(m!.sources, ['kmsg', 'fanotify', 'sysfs']);
  assert.equal(m!.errno, 5);
  assert.equal((m!.blob as TestBlob).mask, 7);
  const c = q.counters();
  assert.equal(c.merged, 2);
  assert.equal(c.mergedErrors, 4);
});

test('never merges across filesystems, after the take, or with a null key', () => {
  const q = queue();
  q.push(ev({ fs: 0, k: 'a' }));
  assert.equal(q.push(ev({ fs: 1, k: 'a' })), 'queued');
  assert.equal(q.push(ev({ fs: 0, k: null })), 'queued');
  assert.equal(q.push(ev({ fs: 0, k: null })), 'queued');
  const taken = q.take();
  assert.equal(taken.length, 4);
  assert.ok(taken.every((e) => e.count === 1));
  assert.equal(q.push(ev({ fs: 0, k: 'a' })), 'queued');
  assert.equal(q.push(ev({ fs: 0, k: 'a' })), 'merged');
});

test('over budget: the rescue event is armed once, where it happened, and counts the loss', () => {
  const q = queue({ budgetBytes: 2 * CHARGE });
  const a = ev({ k: 'a' });
  q.push(a);
  q.push(ev({ k: 'b' }));
  assert.equal(q.push(ev({ k: 'c', errno: 74, t: 50, count: 4 })), 'rescued');
  assert.equal(q.push(ev({ k: 'a' })), 'merged'); // merging needs no admission
  assert.equal(q.push(ev({ k: 'd', t: 70 })), 'rescued');
  assert.equal(q.length, 3);
  assert.equal(q.bytes, 2 * CHARGE);
  const out = q.take();
  assert.deepEqual(out.map((e) => e.kind), ['ERROR', 'ERROR', 'LOST']);
  const lost = out[2]!;
  assert.equal(lost.count, 2);
  assert.equal(lost.plugin, null);
  assert.equal(lost.blob, null);
  assert.equal(lost.host, 'h');
  assert.deepEqual(lost.fs, fs(0));
  assert.equal(lost.firstSeen, 50);
  assert.equal(lost.lastSeen, 70);
  assert.deepEqual(lost.lost, { byFilesystem: [{ device: 'loop0', count: 2 }], errnos: [74, 5], reasons: [{ reason: 'queue-budget', count: 2 }] });
  const c = q.counters();
  assert.equal(c.rescued, 2);
  assert.equal(c.rescuedErrors, 5);
});

test('per-filesystem bound sends the excess of one filesystem to the rescue event', () => {
  const q = queue({ perFsMaxEvents: 2 });
  q.push(ev({ fs: 0, k: 'a' }));
  q.push(ev({ fs: 0, k: 'b' }));
  assert.equal(q.push(ev({ fs: 0, k: 'c' })), 'rescued');
  assert.equal(q.push(ev({ fs: 1, k: 'c' })), 'queued');
  assert.equal(q.push(ev({ fs: 0, k: 'a' })), 'merged');
  const out = q.take();
  assert.deepEqual(out[2]!.lost!.reasons, [{ reason: 'queue-fs-bound', count: 1 }]);
  assert.equal(q.push(ev({ fs: 0, k: 'c' })), 'queued');
});

test('the rescue slot is reused: copies go out, the slot comes back empty with a new id', () => {
  const q = queue({ budgetBytes: 0 });
  q.push(ev({ fs: 0 }));
  const [first] = q.take();
  assert.equal(first!.kind, 'LOST');
  q.push(ev({ fs: 1 }));
  q.push(ev({ fs: 2 }));
  const [second] = q.take();
  assert.notEqual(first!.id, second!.id);
  assert.equal(first!.count, 1);
  assert.deepEqual(first!.fs, fs(0));
  assert.equal(second!.count, 2);
  assert.deepEqual(second!.fs, { type: '*', device: null, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null });
  assert.deepEqual(second!.lost!.byFilesystem, [{ device: 'loop1', count: 1 }, { device: 'loop2', count: 1 }]);
  assert.notEqual(first!.lost, second!.lost);
  assert.equal(q.length, 0);
});

test('upstream losses feed the same rescue event', () => {
  const q = queue();
  q.reportLoss({ reason: 'kmsg-overrun', count: 40, device: null, timeUs: 10 });
  q.push(ev());
  q.reportLoss({ reason: 'fanotify-overflow', count: 2, device: 'loop3', errno: 117, timeUs: 20 });
  const out = q.take();
  assert.deepEqual(out.map((e) => e.kind), ['LOST', 'ERROR']);
  assert.equal(out[0]!.count, 42);
  assert.deepEqual(out[0]!.lost, {
    byFilesystem: [{ device: '*', count: 40 }, { device: 'loop3', count: 2 }],
    errnos: [117],
    reasons: [{ reason: 'kmsg-overrun', count: 40 }, { reason: 'fanotify-overflow', count: 2 }],
  });
  assert.equal(out[0]!.fs.type, '*');
  assert.equal(q.counters().upstreamLost, 42);
});

test('a loss on one device without a known identity names the device', () => {
  const q = queue();
  q.reportLoss({ reason: 'counter-mismatch', count: 3, device: 'sdb1', timeUs: 1 });
  assert.deepEqual(q.take()[0]!.fs, { type: '*', device: 'sdb1', majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null });
});

test('rescue detail lists are capped: devices overflow into *, reasons into other', () => {
  const q = queue({ budgetBytes: 0, rescueCaps: { filesystems: 2, errnos: 2, reasons: 1 } });
  for (let i = 0; i < 5; i++) q.push(ev({ fs: i, errno: 10 + i }));
  q.reportLoss({ reason: 'kmsg-overrun', count: 7, device: null, timeUs: 1 });
  const lost = q.take()[0]!.lost!;
  assert.deepEqual(lost.byFilesystem, [{ device: 'loop0', count: 1 }, { device: 'loop1', count: 1 }, { device: '*', count: 10 }]);
  assert.deepEqual(lost.errnos, [10, 11]);
  assert.deepEqual(lost.reasons, [{ reason: 'queue-budget', count: 5 }, { reason: 'other', count: 7 }]);
});

test('setBudget at run time: a larger budget admits more, a smaller one sheds the newest into LOST', () => {
  const q = queue({ budgetBytes: CHARGE });
  q.push(ev({ k: 'a' }));
  assert.equal(q.push(ev({ k: 'b' })), 'rescued');
  q.setBudget(4 * CHARGE);
  assert.equal(q.budgetBytes, 4 * CHARGE);
  assert.equal(q.push(ev({ k: 'b' })), 'queued');
  assert.equal(q.push(ev({ k: 'c', count: 3 })), 'queued');
  assert.equal(q.push(ev({ k: 'c', count: 2 })), 'merged');
  assert.equal(q.push(ev({ fs: 1, fatal: true })), 'died');
  q.setBudget(CHARGE);
  assert.ok(q.bytes - CHARGE <= CHARGE); // only the DIED event is over budget
  const out = q.take();
  assert.deepEqual(out.map((e) => e.kind), ['ERROR', 'LOST', 'DIED']);
  assert.equal((out[0]!.blob as TestBlob).k, 'a');
  // 1 rescued at push, then 'c' (2 inputs) and 'b' shed, newest first
  assert.equal(out[1]!.count, 4);
  assert.deepEqual(out[1]!.lost!.reasons, [{ reason: 'queue-budget', count: 1 }, { reason: 'queue-budget-shrink', count: 3 }]);
  const c = q.counters();
  assert.equal(c.evicted, 3);
  assert.equal(c.evictedErrors, 6);
  assert.throws(() => q.setBudget(-1), { code: 'CONFIG_INVALID' });
});

test('and then we died: exactly one DIED, suppression counted into it, then into one SUPPRESSED', () => {
  const q = queue();
  q.push(ev({ fs: 0, k: 'a' }));
  const fatal = ev({ fs: 0, k: 'z', fatal: true, count: 1, t: 2000, errno: 30 });
  assert.equal(q.push(fatal), 'died');
  assert.equal(q.push(ev({ fs: 0, k: 'a', count: 2, t: 3000 })), 'suppressed');
  assert.equal(q.push(ev({ fs: 0, fatal: true, t: 2500 })), 'suppressed');
  assert.equal(q.push(ev({ fs: 1, k: 'a' })), 'queued');
  let out = q.take();
  assert.deepEqual(out.map((e) => e.kind), ['ERROR', 'DIED', 'ERROR']);
  const died = out[1]!;
  assert.equal(died, fatal);
  assert.deepEqual(died.death, { reason: 'journal-abort', suppressed: 3 });
  assert.equal(died.count, 4);
  assert.equal(died.errno, 30);
  assert.equal(died.firstSeen, 2000);
  assert.equal(died.lastSeen, 3000);
  assert.equal(out[0]!.count, 1); // the queued ERROR from before the death was not merged into

  assert.equal(q.push(ev({ fs: 0, count: 2, t: 4000, subtypes: 4 })), 'suppressed');
  assert.equal(q.push(ev({ fs: 0, count: 5, t: 3500, sources: ['fanotify'] })), 'suppressed');
  out = q.take();
  assert.equal(out.length, 1);
  const sup = out[0]!;
  assert.equal(sup.kind, 'SUPPRESSED');
  assert.equal(sup.count, 7);
  assert.deepEqual(sup.death, { reason: 'journal-abort', suppressed: 7 });
  assert.equal(sup.firstSeen, 3500);
  assert.equal(sup.lastSeen, 4000);
  assert.deepEqual(sup.sources, ['kmsg', 'fanotify']);
  assert.equal(sup.plugin, null);
  assert.equal(sup.blob, null);
  assert.deepEqual(sup.fs, fs(0));

  assert.equal(q.push(ev({ fs: 0 })), 'suppressed');
  out = q.take();
  assert.equal(out[0]!.kind, 'SUPPRESSED');
  assert.notEqual(out[0]!.id, sup.id);
  assert.equal(out[0]!.count, 1);
  assert.equal(q.counters().died, 1);
});

test('revive: the filesystem reports normally again and a new death gets a new DIED', () => {
  const q = queue();
  q.push(ev({ fs: 0, k: 'a' }));
  q.push(ev({ fs: 0, fatal: true }));
  q.push(ev({ fs: 0 }));
  q.revive(fsKey(fs(0)));
  assert.equal(q.push(ev({ fs: 0, k: 'a' })), 'queued'); // not merged into the pre-death event
  assert.equal(q.push(ev({ fs: 0, k: 'a' })), 'merged');
  assert.equal(q.push(ev({ fs: 0, fatal: true })), 'died');
  const out = q.take();
  assert.deepEqual(out.map((e) => [e.kind, e.count]), [['ERROR', 1], ['DIED', 2], ['ERROR', 2], ['DIED', 1]]);
  q.revive('no-such-fs');
});

test('DIED is admitted over budget; a SUPPRESSED tally that does not fit goes to the rescue event', () => {
  const q = queue({ budgetBytes: 0 });
  assert.equal(q.push(ev({ fatal: true })), 'died');
  assert.equal(q.bytes, CHARGE);
  assert.equal(q.push(ev()), 'suppressed');
  q.take();
  assert.equal(q.push(ev({ count: 3 })), 'rescued');
  const [lost] = q.take();
  assert.equal(lost!.kind, 'LOST');
  assert.deepEqual(lost!.lost!.reasons, [{ reason: 'queue-budget', count: 1 }]);
  const c = q.counters();
  assert.deepEqual([c.died, c.suppressed, c.rescued, c.rescuedErrors], [1, 1, 1, 3]);
});

test('a throwing plugin never breaks the queue: the event is queued unmerged and counted', () => {
  let throwIn = '';
  const q = queue({
    hooks: {
      mergeKey: (e) => {
        if (throwIn === 'mergeKey') throw new Error('boom');
        return hooks.mergeKey(e);
      },
      merge: (into, from) => {
        if (throwIn === 'merge') throw new Error('boom');
        return hooks.merge(into, from);
      },
      terminal: (e) => {
        if (throwIn === 'terminal') throw new Error('boom');
        return hooks.terminal(e);
      },
    },
  });
  const first = ev({ k: 'a' });
  q.push(first);
  throwIn = 'merge';
  assert.equal(q.push(ev({ k: 'a' })), 'queued');
  throwIn = 'mergeKey';
  assert.equal(q.push(ev({ k: 'a' })), 'queued');
  throwIn = 'terminal';
  assert.equal(q.push(ev({ k: 'a', fatal: true })), 'merged');
  throwIn = '';
  assert.equal(q.push(ev({ k: 'a' })), 'merged');
  const out = q.take();
  assert.deepEqual(out.map((e) => e.count), [3, 1, 1]);
  assert.equal(out[0], first);
  assert.equal(q.counters().pluginErrors, 3);
});

test('an event whose size cannot be computed is counted as lost, not thrown', () => {
  const q = queue({
    sizeOf: (e) => {
      if ((e.blob as TestBlob).k === 'bad') throw new Error('encode');
      return SIZE;
    },
  });
  assert.equal(q.push(ev({ k: 'bad' })), 'rescued');
  assert.deepEqual(q.take()[0]!.lost!.reasons, [{ reason: 'encode-failed', count: 1 }]);
});

test('waitReadable and onReadable fire when the queue becomes non-empty; close wakes waiters', async () => {
  const q = queue();
  let calls = 0;
  const off = q.onReadable(() => calls++);
  const waiting = q.waitReadable();
  q.push(ev({ k: 'a' }));
  q.push(ev({ k: 'b' }));
  await waiting;
  assert.equal(calls, 1);
  await q.waitReadable(); // non-empty: resolves at once
  q.take();
  q.reportLoss({ reason: 'kmsg-overrun', count: 1, device: null, timeUs: 1 });
  await Promise.resolve();
  assert.equal(calls, 2);
  off();
  q.take();

  const pending = q.waitReadable();
  q.close();
  await pending;
  assert.equal(q.closed, true);
  await q.waitReadable();
  assert.equal(q.push(ev()), 'rescued');
  assert.deepEqual(q.take()[0]!.lost!.reasons, [{ reason: 'queue-closed', count: 1 }]);
  assert.equal(calls, 2);
});

test('counters add up: push-time buckets, where inputs are now, and error sums', () => {
  const q = queue({ budgetBytes: 3 * CHARGE, perFsMaxEvents: 2 });
  const pushes = [ev({ k: 'a', count: 2 }), ev({ k: 'a', count: 3 }), ev({ k: 'b' }), ev({ k: 'c', count: 4 }), ev({ fs: 1, k: 'a' }), ev({ fs: 1, k: 'b' }), ev({ fs: 2, fatal: true, count: 2 }), ev({ fs: 2, count: 6 })];
  for (const e of pushes) q.push(e);
  q.reportLoss({ reason: 'kmsg-overrun', count: 9, device: null, timeUs: 1 });
  q.take(2);
  const c = q.counters();
  assert.equal(c.pushed, 8);
  assert.equal(c.pushedErrors, 20);
  assert.equal(c.pushed, c.emittedNew + c.merged + c.rescued + c.suppressed + c.died);
  assert.equal(c.pushedErrors, c.emittedNewErrors + c.mergedErrors + c.rescuedErrors + c.suppressedErrors + c.diedErrors);
  assert.equal(c.pushed, c.takenInputs + c.queuedInputsNow + c.rescued + c.evicted);
  assert.equal(c.pushedErrors, c.takenErrors + c.queuedErrorsNow + c.rescuedErrors + c.evictedErrors);
  assert.equal(c.queuedNow, q.length);
  assert.equal(c.bytesNow, q.bytes);
  assert.equal(c.upstreamLost, 9);
  assert.equal(c.taken, 2);
});

test('bad construction options are configuration errors', () => {
  assert.throws(() => queue({ budgetBytes: Number.NaN }), { code: 'CONFIG_INVALID' });
  assert.throws(() => queue({ perFsMaxEvents: 0 }), { code: 'CONFIG_INVALID' });
});

test('a reported loss of unknown size counts as one', () => {
  const q = queue();
  q.reportLoss({ reason: 'fanotify-overflow', count: 0, device: 'loop0', timeUs: 1 });
  assert.equal(q.take()[0]!.count, 1);
  assert.equal(q.counters().upstreamLost, 1);
});
