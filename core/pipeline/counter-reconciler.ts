/**
 * Compares a filesystem's own error counter (ext4 /sys/fs/ext4/<dev>/errors_count) with the errors
 * fsfault saw for it, and reports the shortfall as a loss: errors the log ratelimit hid on an
 * unwatched filesystem, mballoc errors that never reach the log in time, fanotify overflows, errors
 * counted while fsfault was not running.
 *
 * Per filesystem (fsKey) it keeps a baseline (the counter total already accounted for) and `seen`,
 * the sum of counts of that filesystem's events pushed to the queue since the baseline, whatever the
 * push outcome (queued, merged, rescued, suppressed, died: each of them is reported somewhere).
 *
 * The race: ext4 calls fsnotify before it bumps the counter, and the counter reaches sysfs through
 * a workqueue, while the fanotify event may still sit in the kernel queue or in a native batch when
 * the counter is read. So one reading is never compared on its own. A reading is used only when the
 * counter has shown the same total for at least `quietMs` (two readings, the first at least quietMs
 * before the second): nothing new was counted in between, so every event of the errors it counts
 * had that long to arrive. While errors keep coming the comparison waits for the next quiet moment;
 * nothing is lost by waiting, the shortfall is cumulative.
 *
 * Known limits: events the counter never counts (ext4 shutdowns, block-layer lines) raise `seen`
 * above the counter's increase; such a surplus is dropped at the next comparison and can hide a
 * loss of the same size in that window. The first baseline of a filesystem with no stored cursor is
 * its first quiet reading, so a loss before that reading (the first settle period after the mark)
 * is not detected.
 *
 * Persistence: `cursors()` gives `counters.<fsKey>` = {"total": baseline + seen}, the kernel total
 * that the stored events account for. The pipeline writes it in the store transaction of the
 * events, so after a restart the first quiet reading reports exactly what the kernel counted while
 * fsfault was stopped and no event told (reason `counter-while-stopped`).
 */
import { fsKey } from '../model/fs-key';
import type { FsEvent } from '../model/event';
import type { CounterRecord } from '../model/raw-record';
import type { CounterProbe } from '../plugin-api';
import type { LossReport, PushOutcome } from '../queue/queue-types';
import type { MountTable } from './mount-table';

export const COUNTER_CURSOR_PREFIX = 'counters.';

export interface CounterReconcilerOptions {
  /** The counter probe of a filesystem type's plugin (undefined: the type has no counters). */
  probeFor(fsType: string): CounterProbe | undefined;
  mounts: MountTable;
  reportLoss(loss: LossReport): void;
  /** Stored source cursors (the previous run's baselines); null when none. */
  storedCursor(name: string): string | null;
  /** How long the counter must stand still before a reading is compared (ms). */
  quietMs: number;
  warn(message: string): void;
  nowMs?: () => number;
}

export interface CounterFsState {
  key: string;
  type: string;
  device: string | null;
  /** Kernel total accounted for before `seen`; null until the first quiet reading. */
  baseline: number | null;
  seen: number;
  /** Total of the latest reading, and when that total was first read. */
  lastTotal: number | null;
  lastSince: number;
  /** A stored baseline from a previous run, used by the first quiet reading. */
  stored: number | null;
  /** Sum of every shortfall reported for this filesystem. */
  reportedLoss: number;
  /** Errors seen beyond what the counter counted (dropped at comparisons). */
  surplus: number;
  comparisons: number;
}

export class CounterReconciler {
  private readonly states = new Map<string, CounterFsState>();
  private readonly now: () => number;

  constructor(private readonly opts: CounterReconcilerOptions) {
    this.now = opts.nowMs ?? Date.now;
  }

  /** An event was pushed to the queue (any outcome): it accounts for `count` kernel errors. */
  seen(e: Readonly<FsEvent>, _outcome: PushOutcome): void {
    if (e.kind !== 'ERROR' || e.count <= 0) return;
    if (!this.opts.probeFor(e.fs.type)) return;
    this.state(fsKey(e.fs), e.fs.type, e.fs.device).seen += e.count;
  }

  /**
   * Errors the kernel counted that the source dropped on purpose (fsfault's own handle lookups
   * hitting a corrupt inode): accounted for like seen ones, so they are not reported as lost.
   */
  excuse(fsType: string, device: string, errors: number): void {
    if (!this.opts.probeFor(fsType) || errors <= 0) return;
    const fs = this.opts.mounts.identity(fsType, device);
    this.state(fsKey(fs), fsType, device).seen += errors;
  }

  /** A counter reading arrived (the live source reads sysfs). */
  observe(r: CounterRecord): void {
    const probe = this.opts.probeFor(r.fsType);
    if (!probe) return;
    let total: number | null;
    try {
      total = probe.total(r);
    } catch {
      total = null;
    }
    if (total === null) return;
    const fs = this.opts.mounts.identity(r.fsType, r.device);
    const st = this.state(fsKey(fs), r.fsType, r.device);
    const now = this.now();
    if (st.lastTotal !== total) {
      st.lastTotal = total;
      st.lastSince = now;
      return;
    }
    if (now - st.lastSince < this.opts.quietMs) return;
    this.compare(st, total, r.readAtUs);
  }

  private compare(st: CounterFsState, total: number, timeUs: number): void {
    st.comparisons++;
    let reason = 'counter-mismatch';
    if (st.baseline === null) {
      if (st.stored === null) {
        // First sight of this filesystem: the total covers what happened before us and the
        // errors seen so far; comparisons start from here.
        st.baseline = total;
        st.seen = 0;
        return;
      }
      st.baseline = st.stored;
      reason = 'counter-while-stopped';
    }
    if (total < st.baseline) {
      // e2fsck cleared the counter, or this is a new filesystem with a reused id.
      this.opts.warn(`error counter of ${st.device ?? st.key} went back from ${st.baseline} to ${total}; starting over from ${total}`);
      st.baseline = total;
      st.seen = 0;
      return;
    }
    const shortfall = total - st.baseline - st.seen;
    if (shortfall > 0) {
      st.reportedLoss += shortfall;
      this.opts.reportLoss({ reason, count: shortfall, device: st.device, timeUs, fs: this.opts.mounts.identity(st.type, st.device) });
    } else st.surplus -= shortfall;
    st.baseline = total;
    st.seen = 0;
  }

  /** Source cursors to store with the events taken so far. */
  cursors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const st of this.states.values()) {
      const base = st.baseline ?? st.stored;
      if (base === null) continue;
      out[COUNTER_CURSOR_PREFIX + st.key] = JSON.stringify({ total: base + st.seen });
    }
    return out;
  }

  snapshot(): CounterFsState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  private state(key: string, type: string, device: string | null): CounterFsState {
    let st = this.states.get(key);
    if (!st) {
      st = { key, type, device, baseline: null, seen: 0, lastTotal: null, lastSince: 0, stored: this.storedTotal(key), reportedLoss: 0, surplus: 0, comparisons: 0 };
      this.states.set(key, st);
    } else if (device !== null) st.device = device;
    return st;
  }

  private storedTotal(key: string): number | null {
    const raw = this.opts.storedCursor(COUNTER_CURSOR_PREFIX + key);
    if (raw === null) return null;
    try {
      const v = (JSON.parse(raw) as { total?: unknown }).total;
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    } catch {
      // fall through
    }
    this.opts.warn(`ignoring stored counter cursor ${COUNTER_CURSOR_PREFIX}${key}=${raw}: not {"total": <count>}`);
    return null;
  }
}
