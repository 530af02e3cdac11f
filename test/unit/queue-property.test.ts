/**
 * Property tests of the core queue: random interleavings of push / reportLoss / take / setBudget /
 * revive, checked after every operation against an independent tally kept here.
 *
 * fast-check drives each sequence from a tape of random numbers in [0, 1) and, on a failure,
 * shrinks the tape (fewer operations, smaller choices) to a minimal counterexample, printed with
 * the seed and path that replay it. FSFAULT_QUEUE_PROP_RUNS=5000 runs more sequences;
 * FSFAULT_QUEUE_PROP_SEED=<n> fixes the seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Blob, FsEvent, FsIdentity } from '../../core/model/event';
import { fsKey } from '../../core/model/fs-key';
import { EventQueue, QUEUE_EVENT_OVERHEAD_BYTES } from '../../core/queue/event-queue';
import type { PushOutcome, QueueHooks } from '../../core/queue/queue-types';
import { tapeRandom, unitTape } from '../helpers/random';

const RUNS = Number(process.env.FSFAULT_QUEUE_PROP_RUNS ?? 500);
const SEED = process.env.FSFAULT_QUEUE_PROP_SEED === undefined ? undefined : Number(process.env.FSFAULT_QUEUE_PROP_SEED);
const OPS = 200;
const FILESYSTEMS = 4;
const KEYS = 5;


interface PBlob extends Blob {
  k: string;
  pad: number;
  mask: number;
  fatal: boolean;
}

const FS: FsIdentity[] = Array.from({ length: FILESYSTEMS }, (_, n) => ({
  type: n % 2 ? 'xfs' : 'ext4',
  device: `loop${n}`,
  majorMinor: `7:${n}`,
  fsid: `000000000000000${n}`,
  uuid: null,
  mountPoint: `/mnt/${n}`,
  mountUid: null,
}));

function sizeOf(e: FsEvent): number {
  return 60 + (e.blob ? (e.blob as PBlob).pad : 0);
}

function runSequence(rnd: () => number): void {
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const tinyOrBig = (): number => (rnd() < 0.3 ? int(0, 3) * (QUEUE_EVENT_OVERHEAD_BYTES + 100) : int(5, 60) * (QUEUE_EVENT_OVERHEAD_BYTES + 100));

  const violations: string[] = [];
  // A filesystem's life ends with its DIED event; events of one life never merge into another's.
  const life = new Map<string, number>();
  const lifeOf = new WeakMap<FsEvent, number>();
  const takenSet = new WeakSet<FsEvent>();
  let throwRate = 0;
  const maybeThrow = (): void => {
    if (rnd() < throwRate) throw new Error('plugin bug');
  };
  const hooks: QueueHooks = {
    mergeKey: (e) => {
      maybeThrow();
      return (e.blob as PBlob).k;
    },
    merge: (into, from) => {
      maybeThrow();
      if (fsKey(into.fs) !== fsKey(from.fs)) violations.push(`merge across filesystems ${fsKey(into.fs)} <- ${fsKey(from.fs)}`);
      if (takenSet.has(into)) violations.push(`merge into an event the consumer already took (${into.id})`);
      if (into.kind !== 'ERROR') violations.push(`merge into a ${into.kind} event`);
      const a = into.blob as PBlob;
      const b = from.blob as PBlob;
      if (a.k !== b.k) violations.push(`merge of different keys ${a.k} <- ${b.k}`);
      if (lifeOf.get(into) !== (life.get(fsKey(from.fs)) ?? 0)) violations.push(`merge into an event from before the filesystem died (${into.id})`);
      return { ...a, mask: a.mask | b.mask };
    },
    terminal: (e) => {
      maybeThrow();
      return (e.blob as PBlob).fatal ? 'shutdown' : null;
    },
  };

  let ids = 0;
  let budget = tinyOrBig();
  const perFsMax = int(1, 8);
  const q = new EventQueue({ budgetBytes: budget, perFsMaxEvents: perFsMax, sizeOf, hooks, host: 'h', newId: () => `c${++ids}` });
  throwRate = rnd() < 0.3 ? 0.05 : 0;

  // The independent tally.
  const bucket: Record<PushOutcome, number> = { queued: 0, merged: 0, rescued: 0, suppressed: 0, died: 0 };
  const bucketErrors: Record<PushOutcome, number> = { queued: 0, merged: 0, rescued: 0, suppressed: 0, died: 0 };
  let pushed = 0;
  let pushedErrors = 0;
  let upstream = 0;
  let takenErrors = 0;
  let lostTaken = 0;
  let lostSinceLastLost = 0;
  let evictedSeen = 0;
  const dead = new Set<string>();
  const diedQueued = new Map<FsEvent, { charge: number; trigger: number }>();
  /** The queued DIED event of each filesystem's current death (twins of its fatal error fuse into it). */
  const queuedDiedOf = new Map<string, FsEvent>();
  const admission = new Map<FsEvent, number>();
  let admissions = 0;
  let lastTakenAdmission = -1;
  let t = 1_000_000;
  // Queued ERROR events per filesystem; exact until a budget shrink sheds unknown ones, then unknown
  // (null) until the queue is empty again.
  let errorsQueued: Map<string, number> | null = new Map();

  const diedBytesNow = (): number => {
    let n = 0;
    for (const d of diedQueued.values()) n += d.charge;
    return n;
  };

  const check = (op: string): void => {
    if (violations.length) assert.fail(`${op}: ${violations.join('; ')}`);
    const c = q.counters();
    // Push-time buckets, against what push() returned.
    assert.equal(c.pushed, pushed);
    assert.equal(c.pushedErrors, pushedErrors);
    assert.deepEqual(
      [c.emittedNew, c.merged, c.rescued, c.suppressed, c.died],
      [bucket.queued, bucket.merged, bucket.rescued, bucket.suppressed, bucket.died],
      `${op}: bucket counts`,
    );
    assert.deepEqual(
      [c.emittedNewErrors, c.mergedErrors, c.rescuedErrors, c.suppressedErrors, c.diedErrors],
      [bucketErrors.queued, bucketErrors.merged, bucketErrors.rescued, bucketErrors.suppressed, bucketErrors.died],
      `${op}: bucket errors`,
    );
    // Every input is in exactly one place, by events and by kernel errors.
    assert.equal(pushed, c.takenInputs + c.queuedInputsNow + c.rescued + c.evicted, `${op}: inputs identity`);
    assert.equal(pushedErrors, takenErrors + c.queuedErrorsNow + bucketErrors.rescued + c.evictedErrors, `${op}: error conservation`);
    assert.equal(c.takenErrors, takenErrors);
    assert.equal(c.upstreamLost, upstream);
    // Memory: only DIED events may exceed the budget.
    const diedBytes = diedBytesNow();
    assert.ok(q.bytes - diedBytes <= budget, `${op}: bytes ${q.bytes} - died ${diedBytes} > budget ${budget}`);
    assert.equal(c.bytesNow, q.bytes);
    assert.equal(c.queuedNow, q.length);
    if (q.length === 0) errorsQueued = new Map();
    if (q.length === 0) assert.deepEqual([c.queuedInputsNow, c.queuedErrorsNow, c.bytesNow], [0, 0, 0], `${op}: empty queue holds nothing`);
    // Losses since the last LOST are all waiting in one rescue event, or none is needed.
    lostSinceLastLost += c.evicted - evictedSeen;
    evictedSeen = c.evicted;
  };

  const take = (k: number): void => {
    for (const e of q.take(k)) {
      assert.ok(!takenSet.has(e), 'an event was handed out twice');
      takenSet.add(e);
      if (e.kind === 'LOST') {
        // One rescue event at a time: it carries every loss since the previous one was taken.
        assert.equal(e.count, lostSinceLastLost, 'LOST count is every loss since the previous LOST');
        assert.ok(e.count > 0);
        assert.equal(e.plugin, null);
        assert.equal(e.blob, null);
        const sumBy = (xs: { count: number }[]): number => xs.reduce((s, x) => s + x.count, 0);
        assert.equal(sumBy(e.lost!.byFilesystem), e.count);
        assert.equal(sumBy(e.lost!.reasons), e.count);
        lostTaken += e.count;
        lostSinceLastLost = 0;
        continue;
      }
      takenErrors += e.count;
      if (e.kind === 'ERROR' && errorsQueued) errorsQueued.set(fsKey(e.fs), errorsQueued.get(fsKey(e.fs))! - 1);
      if (e.kind === 'DIED') {
        const died = diedQueued.get(e);
        assert.ok(died, 'a DIED event that push() did not report');
        assert.equal(e.count, died.trigger + e.death!.suppressed, 'DIED counts its trigger plus what it suppressed');
        diedQueued.delete(e);
        // Only if it is the filesystem's current DIED: after a revive and a second death, the first
        // DIED event may still be queued and come out while the second one stays.
        if (queuedDiedOf.get(fsKey(e.fs)) === e) queuedDiedOf.delete(fsKey(e.fs));
      }
      if (e.kind === 'SUPPRESSED') assert.equal(e.count, e.death!.suppressed);
      const a = admission.get(e);
      if (a !== undefined) {
        assert.ok(a > lastTakenAdmission, 'events come out in admission order');
        lastTakenAdmission = a;
      }
    }
  };

  for (let i = 0; i < OPS; i++) {
    const r = rnd();
    let op: string;
    if (r < 0.62) {
      const n = int(0, FILESYSTEMS - 1);
      const count = int(1, 5);
      t += int(0, 1000);
      const e: FsEvent = {
        id: `e${i}`,
        host: 'h',
        kind: 'ERROR',
        fs: FS[n]!,
        errno: [5, 117, 74][int(0, 2)]!,
        errnoName: null,
        count,
        firstSeen: t,
        lastSeen: t,
        sources: [rnd() < 0.5 ? 'kmsg' : 'fanotify'],
        subtypes: 1 << int(0, 11),
        inode: null,
        handleType: null,
        handle: null,
        path: null,
        plugin: 'p',
        blob: { k: `k${int(0, KEYS - 1)}`, pad: int(0, 200), mask: 1 << int(0, 7), fatal: rnd() < 0.03 } satisfies PBlob,
        lost: null,
        death: null,
      };
      const key = fsKey(e.fs);
      op = `push fs${n} ${(e.blob as PBlob).k}${(e.blob as PBlob).fatal ? ' fatal' : ''}`;
      const boundedBytesBefore = q.bytes - diedBytesNow();
      const fsErrorsBefore = errorsQueued?.get(key) ?? 0;
      const fsBoundKnown = errorsQueued !== null;
      // The fatal error's twin from another source fuses into the queued DIED event (not suppressed).
      const diedEv = queuedDiedOf.get(key);
      const twin = diedEv !== undefined && !diedEv.sources.some((s) => e.sources.includes(s)) && (diedEv.blob as PBlob).k === (e.blob as PBlob).k;
      const out = q.push(e);
      if (out === 'rescued') {
        // Liveness: nothing is refused that fits (a dead filesystem would need a SUPPRESSED tally).
        const charge = (dead.has(key) ? sizeOf({ ...e, blob: null }) : sizeOf(e)) + QUEUE_EVENT_OVERHEAD_BYTES;
        const overBound = !dead.has(key) && (!fsBoundKnown || fsErrorsBefore >= perFsMax);
        assert.ok(overBound || boundedBytesBefore + charge > budget, `${op}: rescued although it fit`);
      }
      pushed++;
      pushedErrors += count;
      bucket[out]++;
      bucketErrors[out] += count;
      if (dead.has(key)) {
        // A throwing mergeKey hides the twin: then it is suppressed like any later error.
        if (twin && throwRate === 0) assert.equal(out, 'merged', `${op}: the fatal error's twin did not fuse into DIED`);
        else assert.ok(out === 'suppressed' || out === 'rescued' || (twin && out === 'merged'), `${op}: dead filesystem gave ${out}`);
        if (out === 'merged') diedQueued.get(diedEv!)!.trigger += count;
      }
      else assert.ok(out !== 'suppressed', `${op}: live filesystem suppressed`);
      if (out === 'died') {
        assert.ok(!dead.has(key), `${op}: second DIED for one death`);
        assert.equal(e.kind, 'DIED');
        dead.add(key);
        life.set(key, (life.get(key) ?? 0) + 1);
        diedQueued.set(e, { charge: sizeOf(e) + QUEUE_EVENT_OVERHEAD_BYTES, trigger: count });
        queuedDiedOf.set(key, e);
      }
      if (out === 'rescued') lostSinceLastLost++;
      if (out === 'queued' || out === 'died') admission.set(e, admissions++);
      if (out === 'queued') lifeOf.set(e, life.get(key) ?? 0);
      if (out === 'queued' && errorsQueued) {
        const n = (errorsQueued.get(key) ?? 0) + 1;
        assert.ok(n <= perFsMax, `${op}: ${n} ERROR events queued for one filesystem, bound ${perFsMax}`);
        errorsQueued.set(key, n);
      }
    } else if (r < 0.67) {
      const count = int(1, 50);
      op = `reportLoss ${count}`;
      q.reportLoss({ reason: rnd() < 0.5 ? 'kmsg-overrun' : 'fanotify-overflow', count, device: rnd() < 0.5 ? null : `loop${int(0, 3)}`, timeUs: t });
      upstream += count;
      lostSinceLastLost += count;
    } else if (r < 0.87) {
      const k = rnd() < 0.2 ? Infinity : int(0, 6);
      op = `take ${k}`;
      take(k);
    } else if (r < 0.95) {
      budget = tinyOrBig();
      op = `setBudget ${budget}`;
      const before = q.counters().evicted;
      q.setBudget(budget);
      if (q.counters().evicted !== before) errorsQueued = null;
    } else {
      const n = int(0, FILESYSTEMS - 1);
      op = `revive fs${n}`;
      q.revive(fsKey(FS[n]!));
      dead.delete(fsKey(FS[n]!));
      queuedDiedOf.delete(fsKey(FS[n]!));
    }
    check(`op ${i} (${op})`);
  }

  // Drain: now everything is observed from the outside.
  take(Infinity);
  check('drain');
  const c = q.counters();
  assert.equal(q.length, 0);
  assert.equal(q.bytes, 0);
  assert.equal(diedQueued.size, 0, 'every DIED event reached the consumer');
  assert.equal(pushedErrors, takenErrors + bucketErrors.rescued + c.evictedErrors, 'drained: error conservation');
  assert.equal(lostTaken, bucket.rescued + upstream + c.evicted, 'drained: LOST counts every loss');
}

test(`queue properties hold over ${RUNS} random sequences of ${OPS} operations`, () => {
  // About 6 choices per operation: a full tape runs all OPS operations; shrinking shortens it.
  const tape = unitTape(OPS * 8);
  fc.assert(
    fc.property(tape, (values) => runSequence(tapeRandom(values))),
    // Shrinking a long tape can take minutes: after 60 s fast-check stops and reports the failure
    // with the smallest counterexample found so far.
    { numRuns: RUNS, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
  );
});
