/**
 * Health snapshots (XFS sick masks read by ioctl) say what is sick now, not what just became
 * sick. Plugins get only the bits newly set since the previous snapshot of the same filesystem,
 * scope and index, so a sick AG is reported once, not at every poll.
 */
import type { HealthRecord } from '../model/raw-record';

export class HealthDiff {
  private readonly last = new Map<string, number>();

  /** The record with only newly set sick bits, or null when nothing new (failed probes pass through). */
  newlySick(r: HealthRecord): HealthRecord | null {
    if (r.failure !== null) return r;
    const key = `${r.device}|${r.scope}|${r.index ?? ''}`;
    const prev = this.last.get(key) ?? 0;
    this.last.set(key, r.sick);
    const fresh = r.sick & ~prev;
    return fresh === 0 ? null : { ...r, sick: fresh };
  }

  /** A filesystem mounted again starts healthy in the kernel: forget what we saw. */
  forget(device: string): void {
    for (const k of this.last.keys()) if (k.startsWith(`${device}|`)) this.last.delete(k);
  }
}
