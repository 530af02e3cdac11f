import { coreEvent, type FsEvent, type FsIdentity } from '../model/event';
import { Entry } from './fifo';
import { addSource } from './merge-fields';
import type { RescueCaps } from './queue-types';

export const RESCUE_CAPS: RescueCaps = { filesystems: 32, errnos: 16, reasons: 16 };

const UNATTRIBUTED = '*';
const OTHER_REASON = 'other';

/**
 * The rescue event ("we could not fully report it"), allocated once with the queue. Losses accumulate
 * into it while it is queued; the consumer gets a copy and the slot is reset for reuse. Its detail
 * lists are capped so the slot stays bounded however many losses pile up, which is why it is not
 * charged to the budget.
 */
export class RescueSlot {
  readonly entry: Entry;
  private readonly ev: FsEvent;
  private readonly byDevice = new Map<string, number>();
  private readonly errnos = new Set<number>();
  private readonly reasons = new Map<string, number>();
  /** undefined: no loss yet; a device: every loss so far is from it; null: several or unattributed. */
  private device: string | null | undefined = undefined;
  private identity: FsIdentity | null = null;

  constructor(
    private readonly caps: RescueCaps,
    host: string,
  ) {
    this.ev = coreEvent('LOST', '', host, { type: UNATTRIBUTED, device: null, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null });
    this.entry = new Entry(this.ev, null);
  }

  /** Stamp a fresh id when the slot is (re)armed. */
  arm(id: string): void {
    this.ev.id = id;
  }

  /** `lost` input events (one event, or a shed queued event standing for several) from `e`. */
  addEvent(e: FsEvent, lost: number, reason: string): void {
    this.add(lost, reason, e.fs.device, e.errno, e.firstSeen, e.lastSeen, e.fs);
    const ev = this.ev;
    ev.subtypes |= e.subtypes;
    for (let i = 0; i < e.sources.length; i++) addSource(ev.sources, e.sources[i]!);
  }

  addLoss(count: number, reason: string, device: string | null, errno: number | null, timeUs: number, fs: FsIdentity | null): void {
    this.add(count, reason, device, errno, timeUs, timeUs, fs);
  }

  /** The LOST event as the consumer keeps it; the slot is cleared for the next loss. */
  takeCopy(): FsEvent {
    const ev = this.ev;
    const single = this.device !== undefined && this.device !== null;
    const fs: FsIdentity = single && this.identity
      ? { ...this.identity }
      : { type: UNATTRIBUTED, device: single ? this.device! : null, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null };
    const copy: FsEvent = {
      ...ev,
      fs,
      sources: ev.sources.slice(),
      lost: {
        byFilesystem: [...this.byDevice].map(([device, count]) => ({ device, count })),
        errnos: [...this.errnos],
        reasons: [...this.reasons].map(([reason, count]) => ({ reason, count })),
      },
    };
    this.reset();
    return copy;
  }

  private add(count: number, reason: string, device: string | null, errno: number | null, firstUs: number, lastUs: number, fs: FsIdentity | null): void {
    const ev = this.ev;
    if (ev.count === 0) {
      ev.firstSeen = firstUs;
      ev.lastSeen = lastUs;
    } else {
      if (firstUs < ev.firstSeen) ev.firstSeen = firstUs;
      if (lastUs > ev.lastSeen) ev.lastSeen = lastUs;
    }
    ev.count += count;

    const dev = device ?? UNATTRIBUTED;
    if (this.device === undefined) this.device = dev === UNATTRIBUTED ? null : dev;
    else if (this.device !== dev) this.device = null;
    if (this.device !== null && this.identity === null && fs) this.identity = fs;

    bump(this.byDevice, dev, count, this.caps.filesystems, UNATTRIBUTED);
    bump(this.reasons, reason, count, this.caps.reasons, OTHER_REASON);
    if (errno !== null && this.errnos.size < this.caps.errnos) this.errnos.add(errno);
  }

  private reset(): void {
    const ev = this.ev;
    ev.id = '';
    ev.count = 0;
    ev.firstSeen = ev.lastSeen = 0;
    ev.subtypes = 0;
    ev.sources.length = 0;
    this.byDevice.clear();
    this.errnos.clear();
    this.reasons.clear();
    this.device = undefined;
    this.identity = null;
  }
}

/** Count under `key`, or under `overflow` once `cap` other keys are held (overflow is always allowed). */
function bump(m: Map<string, number>, key: string, n: number, cap: number, overflow: string): void {
  const have = m.get(key);
  if (have !== undefined) m.set(key, have + n);
  else if (key === overflow || m.size - (m.has(overflow) ? 1 : 0) < cap) m.set(key, n);
  else m.set(overflow, (m.get(overflow) ?? 0) + n);
}
