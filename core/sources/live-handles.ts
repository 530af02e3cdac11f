/**
 * fanotify file handles → paths (open_by_handle_at through the filesystem's mount, native
 * resolveHandleAsync off the JS thread), without feeding back into the errors it reports, and
 * without waiting for a failing disk: lookups go through an AsyncLimiter (bounded in flight, a
 * timeout). A lookup that did not finish in time leaves the record without a path and with
 * pathError 'TIMEOUT' ('BUSY' when too many were waiting); the event says so in its `pathError`.
 *
 * Opening a handle makes ext4 read the inode. When the inode on disk is the corrupt one the error
 * was about (LTP fanotify22 case 1: bogus i_mode), that read fails with a new ext4 error, raised in
 * fsfault's own process: a second FAN_FS_ERROR (pid = fsfault), a log line and one more in
 * errors_count. Unchecked, resolving that event's handle again loops. So:
 * - a handle that failed is not opened again (per filesystem, bounded cache);
 * - a failure (ESTALE: exportfs hides the cause) leaves one error "owed": the next
 *   fanotify event from this process on that filesystem, within a few seconds, is fsfault's own
 *   doing and is dropped (or its error_count reduced), and `onSelfInflicted` tells the counter
 *   reconciler so that errors_count still adds up. The log line of that read stays: it carries
 *   count 0 on a watched filesystem and only adds detail.
 */
import type { FanotifyRecord } from '../model/raw-record';
import type { ResolvedHandle } from '../../native/types';
import { AsyncLimiter, type AsyncLimiterOptions } from './async-limiter';
import type { TrackedFs } from './live-mounts';

export type ResolveFn = (mountPoint: string, handleType: number, handleHex: string) => Promise<ResolvedHandle>;

/**
 * Errors of open_by_handle_at after which ext4 may just have reported the inode again. exportfs
 * turns every failure but ENOMEM into ESTALE, so a corrupt inode and a deleted one look alike; an
 * owed error that no event claims expires.
 */
const SELF_REPORTED = new Set(['ESTALE', 'EUCLEAN', 'EBADMSG', 'EIO']);
const FAILED_CACHE_MAX = 4096;
const OWED_FOR_MS = 5000;

export interface HandleStats {
  resolved: number;
  unresolved: number;
  /** Lookups the record stopped waiting for (pathError TIMEOUT). */
  timedOut: number;
  /** Lookups not started because too many were waiting (pathError BUSY). */
  refused: number;
  /** Kernel errors fsfault's own handle lookups caused (dropped, told to the reconciler). */
  selfInflicted: number;
}

export class HandleResolver {
  readonly stats: HandleStats = { resolved: 0, unresolved: 0, timedOut: 0, refused: 0, selfInflicted: 0 };
  private readonly failed = new Map<string, string>();
  private readonly limiter: AsyncLimiter;
  /** Lookups running now, by handle: a second event for the same inode shares the first lookup. */
  private readonly running = new Map<string, Promise<string | { path: string }>>();
  /** Per fsid: errors our lookups made the kernel report, not yet matched to their event. */
  private readonly owed = new Map<string, { n: number; untilMs: number }>();

  constructor(
    private readonly lookup: ResolveFn,
    limits: AsyncLimiterOptions,
    private readonly onSelfInflicted: (fs: TrackedFs, errors: number) => void,
  ) {
    this.limiter = new AsyncLimiter(limits);
  }

  /**
   * Takes away what fsfault itself caused from a FAN_FS_ERROR record; false when nothing is left
   * (drop the record).
   */
  keep(r: FanotifyRecord, fs: TrackedFs | undefined, nowMs = Date.now()): boolean {
    const owed = this.owed.get(r.fsid);
    if (!owed || !fs || r.pid !== process.pid) return true;
    if (nowMs > owed.untilMs) {
      this.owed.delete(r.fsid);
      return true;
    }
    const n = Math.min(owed.n, r.errorCount);
    owed.n -= n;
    if (owed.n === 0) this.owed.delete(r.fsid);
    r.errorCount -= n;
    this.stats.selfInflicted += n;
    this.onSelfInflicted(fs, n);
    return r.errorCount > 0;
  }

  /** Sets path / pathError on the record (superblock handles carry no inode: left alone). */
  async resolve(r: FanotifyRecord, fs: TrackedFs | undefined, now: () => number = Date.now): Promise<void> {
    if (r.handleType === 255 && r.handle === '') return;
    r.path = null;
    if (!fs) {
      r.pathError = 'NOT_MOUNTED';
      this.stats.unresolved++;
      return;
    }
    const key = `${r.fsid}:${r.handleType}:${r.handle}`;
    const known = this.failed.get(key);
    if (known !== undefined) {
      r.pathError = known;
      this.stats.unresolved++;
      return;
    }
    let pending = this.running.get(key);
    if (!pending) {
      pending = this.start(key, r, fs, now);
      this.running.set(key, pending);
      void pending.finally(() => this.running.delete(key));
    }
    const res = await pending;
    if (typeof res === 'string') {
      r.pathError = res;
      this.stats.unresolved++;
      return;
    }
    r.path = res.path;
    r.pathError = null;
    this.stats.resolved++;
  }

  private async start(key: string, r: FanotifyRecord, fs: TrackedFs, now: () => number): Promise<string | { path: string }> {
    const out = await this.limiter.run(() => this.lookup(fs.mount.mountPoint, r.handleType, r.handle));
    let error: string;
    if (out.ok) {
      if ('path' in out.value) return { path: out.value.path };
      error = out.value.error;
    } else if (out.reason === 'ERROR') {
      error = String((out.error as { details?: { errno?: string } }).details?.errno ?? 'EINVAL');
    } else {
      // Not remembered as failed: the inode may be fine once the disk answers again.
      if (out.reason === 'TIMEOUT') this.stats.timedOut++;
      else this.stats.refused++;
      return out.reason;
    }
    if (this.failed.size >= FAILED_CACHE_MAX) this.failed.clear();
    this.failed.set(key, error);
    if (SELF_REPORTED.has(error)) {
      const o = this.owed.get(r.fsid) ?? { n: 0, untilMs: 0 };
      o.n++;
      o.untilMs = now() + OWED_FOR_MS;
      this.owed.set(r.fsid, o);
    }
    return error;
  }

  /** Lookups started and not finished (timed-out ones included: the kernel still holds them). */
  inFlight(): number {
    return this.limiter.stats.inFlight;
  }

  /** A filesystem went away: a new superblock may reuse handles for other inodes. */
  forget(fs: TrackedFs): void {
    if (fs.mount.fsid === null) return;
    const prefix = `${fs.mount.fsid}:`;
    for (const k of this.failed.keys()) if (k.startsWith(prefix)) this.failed.delete(k);
    this.owed.delete(fs.mount.fsid);
  }
}
