import { randomUUID } from 'node:crypto';
import { FsfaultError } from '../errors';
import { coreEvent, type FsEvent } from '../model/event';
import { fsKey } from '../model/fs-key';
import { Entry, Fifo } from './fifo';
import { mergeFields } from './merge-fields';
import type { QueueCounters } from './queue-counters';
import { zeroCounters } from './queue-counters';
import type { LossReport, PushOutcome, QueueHooks, QueueOptions } from './queue-types';
import { RESCUE_CAPS, RescueSlot } from './rescue-slot';

/**
 * Bytes charged per queued event on top of its encoded size, so that the budget bounds heap and not
 * just wire bytes: the FsEvent object and its Entry node, the sources array, the blob object, string
 * headers, boxed times. Measured on Node 20 x64 (200k queued events, heap delta after GC): 280 bytes
 * beyond the encoded size when the FsIdentity object is shared per mount and id/handle/path/blob
 * strings are per event (README.md, "Charge"). Rounded up for GC slack and larger blobs.
 */
export const QUEUE_EVENT_OVERHEAD_BYTES = 512;

/** Per-filesystem state: merge targets, the per-fs bound, and death. */
interface FsState {
  readonly key: string;
  /** Queued ERROR events by plugin merge key (the map itself is the filesystem scope). */
  readonly merges: Map<string, Entry>;
  /** Queued ERROR events of this filesystem (the per-fs bound). */
  errors: number;
  /** Why it died; null while alive. */
  dead: string | null;
  /** The queued DIED event of the current death, while not taken. */
  died: Entry | null;
  /** Plugin merge key of the event that killed it: its twin from another source fuses into DIED. */
  diedKey: string | null;
  /** The queued SUPPRESSED tally of the current death, while not taken. */
  suppressed: Entry | null;
}

/**
 * The core queue between classification and the store: a byte-budgeted FIFO of events that merges
 * floods, reports what it could not hold through one preallocated rescue event, and turns a dying
 * filesystem into one DIED event plus counted suppression. See README.md for the rules and the
 * accounting identities.
 */
export class EventQueue {
  private budget: number;
  private readonly perFsMax: number;
  private readonly sizeOf: ((e: FsEvent) => number) | null;
  private readonly encode: ((e: FsEvent) => Buffer) | null;
  /** The body the last charge() made (encode mode), for the entry being created. */
  private lastBody: Buffer | null = null;
  /** Entries of the events a push admitted, so amend() finds an event's entry (weak: taken events go). */
  private readonly owned = new WeakMap<FsEvent, Entry>();
  private readonly hooks: QueueHooks;
  private readonly host: string;
  private readonly newId: () => string;
  private readonly fifo = new Fifo();
  private readonly rescue: RescueSlot;
  private readonly states = new Map<string, FsState>();
  private readonly c: QueueCounters = zeroCounters();
  /** Bytes of queued DIED events: admitted over budget, so kept apart from what the budget bounds. */
  private diedBytes = 0;
  private isClosed = false;
  private readonly listeners = new Set<() => void>();
  private readable: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(opts: QueueOptions) {
    checkBudget(opts.budgetBytes);
    if (!Number.isInteger(opts.perFsMaxEvents) || opts.perFsMaxEvents < 1) {
      throw new FsfaultError('CONFIG_INVALID', `queue per-filesystem bound must be an integer >= 1, got ${opts.perFsMaxEvents}`);
    }
    this.budget = opts.budgetBytes;
    this.perFsMax = opts.perFsMaxEvents;
    if (!opts.encode && !opts.sizeOf) throw new FsfaultError('CONFIG_INVALID', 'the queue needs encode or sizeOf to charge events');
    this.encode = opts.encode ?? null;
    this.sizeOf = opts.sizeOf ?? null;
    this.hooks = opts.hooks;
    this.host = opts.host;
    this.newId = opts.newId ?? randomUUID;
    this.rescue = new RescueSlot({ ...RESCUE_CAPS, ...opts.rescueCaps }, opts.host);
  }

  get length(): number {
    return this.fifo.length;
  }

  /** Bytes charged by queued events, DIED events included. */
  get bytes(): number {
    return this.c.bytesNow;
  }

  get budgetBytes(): number {
    return this.budget;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  counters(): QueueCounters {
    return { ...this.c };
  }

  /** Route one classified ERROR event. The queue owns it from now on (it may be merged into). */
  push(e: FsEvent): PushOutcome {
    const c = this.c;
    c.pushed++;
    c.pushedErrors += e.count;
    if (this.isClosed) return this.lose(e, 'queue-closed');

    const key = fsKey(e.fs);
    const st = this.states.get(key);
    if (st !== undefined && st.dead !== null) return this.suppress(st, e);

    const reason = this.callTerminal(e);
    if (reason !== null) return this.die(st ?? this.newState(key), e, reason);

    const mk = this.callMergeKey(e);
    let mergeable = mk !== null;
    if (mk !== null && st !== undefined) {
      const into = st.merges.get(mk);
      if (into !== undefined) {
        if (this.merge(into, e)) return 'merged';
        mergeable = false; // the plugin threw: queue it unmerged, `into` stays the merge target
      }
    }
    return this.admit(st, key, e, mergeable ? mk : null);
  }

  /** A loss before the queue (kernel log overrun, fanotify overflow ...): counted in the rescue event. */
  reportLoss(r: LossReport): void {
    const count = r.count >= 1 ? r.count : 1; // a loss of unknown size is still a loss
    this.armRescue();
    this.rescue.addLoss(count, r.reason, r.device, r.errno ?? null, r.timeUs, r.fs ?? null);
    this.c.upstreamLost += count;
  }

  /**
   * Up to `max` events, oldest admission first; the rescue event comes out where it was armed.
   * With `bodies`, it receives each event's Avro body in the same order (null where the event
   * changed after it was encoded, or was charged by size only): the store writes those as they are.
   */
  take(max = Infinity, bodies?: (Buffer | null)[]): FsEvent[] {
    const out: FsEvent[] = [];
    const c = this.c;
    for (let n = 0; n < max; n++) {
      const en = this.fifo.head;
      if (en === null) break;
      this.fifo.unlink(en);
      c.queuedNow--;
      c.taken++;
      if (en === this.rescue.entry) {
        c.takenLost++;
        out.push(this.rescue.takeCopy());
        bodies?.push(null);
        continue;
      }
      this.release(en);
      c.takenInputs += en.inputs;
      c.takenErrors += en.event.count;
      out.push(en.event);
      bodies?.push(en.body);
      en.body = null;
    }
    return out;
  }

  /**
   * Replace the blob of an event this queue still holds (a continuation line completing it).
   * False when the event is not queued as itself (merged into another, already taken, rescued):
   * an event handed out is never changed behind the consumer's back. The charge stays: a plugin's
   * continuation blob is bounded like its merge.
   */
  amend(e: FsEvent, blob: FsEvent['blob']): boolean {
    const en = this.owned.get(e);
    if (en === undefined || !en.queued || en.event !== e) return false;
    e.blob = blob;
    en.body = null;
    return true;
  }

  /**
   * Change the budget at run time. A smaller budget sheds queued ERROR/SUPPRESSED events, newest
   * first, into the rescue event until the queue fits: the budget bounds memory now, not once the
   * consumer has caught up. The oldest events are kept because the first errors tell the most.
   */
  setBudget(bytes: number): void {
    checkBudget(bytes);
    this.budget = bytes;
    let en = this.fifo.tail;
    while (en !== null && this.c.bytesNow - this.diedBytes > this.budget) {
      const prev = en.prev;
      if (en !== this.rescue.entry && en.event.kind !== 'DIED') this.evict(en);
      en = prev;
    }
  }

  /** The filesystem was mounted again: its errors are reported normally from now on. */
  revive(key: string): void {
    const st = this.states.get(key);
    if (st === undefined) return;
    // Detach the old death's DIED/SUPPRESSED: a later death must get events of its own.
    st.dead = null;
    st.died = null;
    st.diedKey = null;
    st.suppressed = null;
    this.pruneIfIdle(st);
  }

  /** Resolves once an event is queued (at once if one is, or after close). */
  waitReadable(): Promise<void> {
    if (this.fifo.length > 0 || this.isClosed) return Promise.resolve();
    this.readable ??= new Promise<void>((resolve) => (this.wake = resolve));
    return this.readable;
  }

  /** Called (in a microtask, so never inside push) each time the queue goes from empty to non-empty. */
  onReadable(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Stop admitting: later pushes are counted in the rescue event ('queue-closed'); waiters wake up. */
  close(): void {
    this.isClosed = true;
    this.fireWake();
  }

  private admit(st: FsState | undefined, key: string, e: FsEvent, mk: string | null): PushOutcome {
    if (st !== undefined && st.errors >= this.perFsMax) return this.lose(e, 'queue-fs-bound');
    const charge = this.charge(e);
    if (charge < 0) return this.lose(e, 'encode-failed');
    if (!this.fits(charge)) return this.lose(e, 'queue-budget');
    const s = st ?? this.newState(key);
    const en = this.newEntry(e, key, charge);
    en.key = mk;
    if (mk !== null) s.merges.set(mk, en);
    s.errors++;
    this.enqueue(en);
    const c = this.c;
    c.emittedNew++;
    c.emittedNewErrors += e.count;
    return 'queued';
  }

  private merge(into: Entry, e: FsEvent): boolean {
    const target = into.event;
    let blob;
    try {
      blob = this.hooks.merge(target, e);
    } catch {
      this.c.pluginErrors++;
      return false;
    }
    mergeFields(target, e);
    target.blob = blob;
    into.body = null;
    into.inputs++;
    const c = this.c;
    c.merged++;
    c.mergedErrors += e.count;
    c.queuedInputsNow++;
    c.queuedErrorsNow += e.count;
    return true;
  }

  /** "And then we died": always admitted, even over budget; there is one per filesystem death. */
  private die(st: FsState, e: FsEvent, reason: string): PushOutcome {
    st.dead = reason;
    st.suppressed = null;
    st.diedKey = this.callMergeKey(e);
    // Errors after a revive belong to a new life: never merge them into events of the old one.
    st.merges.clear();
    e.kind = 'DIED';
    e.death = { reason, suppressed: 0 };
    // Admitted even when encoding fails: the death must be reported; the overhead is still charged.
    const en = this.newEntry(e, st.key, Math.max(this.charge(e), QUEUE_EVENT_OVERHEAD_BYTES));
    st.died = en;
    this.diedBytes += en.charge;
    this.enqueue(en);
    const c = this.c;
    c.died++;
    c.diedErrors += e.count;
    return 'died';
  }

  /** Dead filesystem: only count, into its queued DIED, else its queued (or a new) SUPPRESSED tally. */
  private suppress(st: FsState, e: FsEvent): PushOutcome {
    const c = this.c;
    // The fatal error as seen by another source (the fanotify twin of an abort line) is not an error
    // after the death: it fuses into the queued DIED event like any merge, counted as merged. Only
    // a source the DIED event has not heard from yet can be a twin; a repeat is suppressed.
    if (st.died !== null && st.diedKey !== null && isTwin(st.died.event, e) && this.callMergeKey(e) === st.diedKey) {
      const d = st.died;
      mergeFields(d.event, e);
      d.body = null;
      d.inputs++;
      c.merged++;
      c.mergedErrors += e.count;
      c.queuedInputsNow++;
      c.queuedErrorsNow += e.count;
      return 'merged';
    }
    const target = st.died ?? st.suppressed;
    if (target !== null) {
      const t = target.event;
      // A DIED event keeps the fields of the error that killed the filesystem; a tally merges all.
      if (t.kind === 'SUPPRESSED') mergeFields(t, e);
      else {
        t.count += e.count;
        if (e.lastSeen > t.lastSeen) t.lastSeen = e.lastSeen;
      }
      t.death!.suppressed += e.count;
      target.body = null;
      target.inputs++;
      c.queuedInputsNow++;
      c.queuedErrorsNow += e.count;
    } else {
      const tally = this.suppressedEvent(e, st.dead!);
      const charge = this.charge(tally);
      if (charge < 0) return this.lose(e, 'encode-failed');
      if (!this.fits(charge)) return this.lose(e, 'queue-budget');
      const en = this.newEntry(tally, st.key, charge);
      st.suppressed = en;
      this.enqueue(en);
    }
    c.suppressed++;
    c.suppressedErrors += e.count;
    return 'suppressed';
  }

  private suppressedEvent(e: FsEvent, reason: string): FsEvent {
    return coreEvent('SUPPRESSED', this.newId(), this.host, e.fs, {
      errno: e.errno,
      errnoName: e.errnoName,
      count: e.count,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      sources: e.sources.slice(),
      subtypes: e.subtypes,
      death: { reason, suppressed: e.count },
    });
  }

  private lose(e: FsEvent, reason: string): PushOutcome {
    this.armRescue();
    this.rescue.addEvent(e, 1, reason);
    const c = this.c;
    c.rescued++;
    c.rescuedErrors += e.count;
    return 'rescued';
  }

  private evict(en: Entry): void {
    this.fifo.unlink(en);
    this.c.queuedNow--;
    this.release(en);
    this.armRescue();
    this.rescue.addEvent(en.event, en.inputs, 'queue-budget-shrink');
    this.c.evicted += en.inputs;
    this.c.evictedErrors += en.event.count;
  }

  private armRescue(): void {
    if (this.rescue.entry.queued) return;
    this.rescue.arm(this.newId());
    this.fifo.append(this.rescue.entry);
    this.c.queuedNow++;
    if (this.fifo.length === 1) this.fireReadable();
  }

  private enqueue(en: Entry): void {
    this.fifo.append(en);
    const c = this.c;
    c.queuedNow++;
    c.queuedInputsNow += en.inputs;
    c.queuedErrorsNow += en.event.count;
    c.bytesNow += en.charge;
    if (this.fifo.length === 1) this.fireReadable();
  }

  /** Undo an unlinked entry's charge and its filesystem bookkeeping. */
  private release(en: Entry): void {
    const c = this.c;
    c.bytesNow -= en.charge;
    c.queuedInputsNow -= en.inputs;
    c.queuedErrorsNow -= en.event.count;
    const st = this.states.get(en.fs!);
    switch (en.event.kind) {
      case 'DIED':
        this.diedBytes -= en.charge;
        if (st !== undefined && st.died === en) st.died = null;
        break;
      case 'SUPPRESSED':
        if (st !== undefined && st.suppressed === en) st.suppressed = null;
        break;
      default:
        st!.errors--;
        if (en.key !== null && st!.merges.get(en.key) === en) st!.merges.delete(en.key);
    }
    if (st !== undefined) this.pruneIfIdle(st);
  }

  private newState(key: string): FsState {
    const st: FsState = { key, merges: new Map(), errors: 0, dead: null, died: null, diedKey: null, suppressed: null };
    this.states.set(key, st);
    return st;
  }

  /** Forget a live filesystem with nothing queued, so state follows the filesystems in trouble now. */
  private pruneIfIdle(st: FsState): void {
    if (st.errors === 0 && st.dead === null && st.died === null && st.suppressed === null) this.states.delete(st.key);
  }

  private fits(charge: number): boolean {
    return this.c.bytesNow - this.diedBytes + charge <= this.budget;
  }

  /** Encoded size plus overhead, or -1 when the event cannot be encoded. Keeps the body it made. */
  private charge(e: FsEvent): number {
    this.lastBody = null;
    try {
      if (this.encode !== null) {
        this.lastBody = this.encode(e);
        return this.lastBody.length + QUEUE_EVENT_OVERHEAD_BYTES;
      }
      return this.sizeOf!(e) + QUEUE_EVENT_OVERHEAD_BYTES;
    } catch {
      return -1;
    }
  }

  /** An entry for an event just charged: it keeps the body the charge made. */
  private newEntry(e: FsEvent, key: string, charge: number): Entry {
    const en = new Entry(e, key);
    en.charge = charge;
    en.body = this.lastBody;
    this.lastBody = null;
    this.owned.set(e, en);
    return en;
  }

  private callTerminal(e: FsEvent): string | null {
    try {
      return this.hooks.terminal(e);
    } catch {
      this.c.pluginErrors++;
      return null;
    }
  }

  private callMergeKey(e: FsEvent): string | null {
    try {
      return this.hooks.mergeKey(e);
    } catch {
      this.c.pluginErrors++;
      return null;
    }
  }

  private fireReadable(): void {
    this.fireWake();
    if (this.listeners.size > 0) queueMicrotask(() => this.listeners.forEach((cb) => cb()));
  }

  private fireWake(): void {
    const wake = this.wake;
    if (wake === null) return;
    this.wake = null;
    this.readable = null;
    wake();
  }
}

/** `e` comes only from sources `died` has not heard from: another observer of the same error. */
function isTwin(died: FsEvent, e: FsEvent): boolean {
  for (let i = 0; i < e.sources.length; i++) {
    const s = e.sources[i]!;
    if (s !== 'replay' && died.sources.includes(s)) return false; // 'replay' only says how it was read
  }
  return true;
}

function checkBudget(bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) throw new FsfaultError('CONFIG_INVALID', `queue budget must be a finite number of bytes >= 0, got ${bytes}`);
}
