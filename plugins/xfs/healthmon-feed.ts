/**
 * One XFS health monitor per mounted XFS, for the xfs probe: open it at mount, buffer its records
 * until the next poll, fall back to log+ioctl when the kernel will not give one.
 *
 * Fallback (the probe then polls the health ioctls as on 6.x, and the doctor says why):
 * - ENOTTY / EINVAL: this kernel has no XFS_IOC_HEALTH_MONITOR (every 6.x; 7.0 without
 *   CONFIG_XFS_HEALTH_MONITOR) or refuses format V0;
 * - EEXIST: another monitor holds the filesystem's only slot (xfs_healer runs one per mount);
 * - EPERM / PRIVILEGE_MISSING: not CAP_SYS_ADMIN in the initial user namespace;
 * - anything else (EIO: the mount point cannot be opened, already shut down): that errno.
 * A monitor that ends (EOF after unmount, or a read failure) falls back the same way until the
 * next mount.
 *
 * While a monitor runs the probe does not poll the health ioctls: the monitor already reports every
 * newly sick flag, and both would count the same flag twice.
 *
 * The buffer is bounded (`maxBuffered` records, default 4096): past it records are counted, not
 * kept, and the next take() reports them as one loss (`xfs-healthmon-lost`). The native reader has
 * its own bound and leaves further drops to the kernel's LOST accounting.
 *
 * The opener is injected: plugins may not import native/ (the probe passes the native call in).
 */
import type { MountInfo, RawRecord } from '../../core/plugin-api';
import { HEALTHMON_LOST, healthmonRecords } from './healthmon';
import type { XfsHealthmonEventIn } from './healthmon';

export interface HealthmonHandle {
  stop(): Promise<unknown>;
  /** Settles when the monitor ends: null (EOF, stop) or the failure. */
  readonly ended: Promise<unknown>;
}

export type HealthmonOpener = (mountPoint: string, onEvents: (events: XfsHealthmonEventIn[]) => void) => Promise<HealthmonHandle>;

export interface HealthmonStatus {
  /** `healthmon`: records come from the monitor; `log+ioctl`: the 6.x way. */
  mode: 'healthmon' | 'log+ioctl';
  /** Why not the monitor (null while it runs). */
  reason: string | null;
  /** errno name of the refusal or failure, null when none. */
  errno: string | null;
}

interface Attached {
  handle: HealthmonHandle | null;
  status: HealthmonStatus;
  buffer: RawRecord[];
  dropped: number;
}

/** errno name of a typed native error (FsfaultError details.errno), else null. */
function errnoOf(e: unknown): string | null {
  const d = (e as { details?: { errno?: unknown } } | null)?.details;
  return typeof d?.errno === 'string' ? d.errno : null;
}

export function fallbackReason(errno: string | null, code?: string): string {
  if (errno === 'ENOTTY' || errno === 'EINVAL') return 'this kernel has no XFS_IOC_HEALTH_MONITOR (Linux < 7.0 or built without it)';
  if (errno === 'EEXIST') return 'another health monitor holds this filesystem (only one per filesystem; xfs_healer runs one)';
  if (errno === 'EPERM' || errno === 'EACCES' || code === 'PRIVILEGE_MISSING') return 'opening the health monitor needs CAP_SYS_ADMIN in the initial user namespace';
  return `the health monitor could not be opened (${errno ?? 'unknown error'})`;
}

export class XfsHealthmonFeed {
  private readonly mounts = new Map<string, Attached>();
  private readonly maxBuffered: number;
  private readonly now: () => number;

  constructor(
    private readonly open: HealthmonOpener,
    opts: { maxBuffered?: number; now?: () => number } = {},
  ) {
    this.maxBuffered = opts.maxBuffered ?? 4096;
    this.now = opts.now ?? (() => Date.now() * 1000);
  }

  private static key(m: MountInfo): string {
    return `${m.device}@${m.mountId}`;
  }

  /** Opens the monitor of a newly seen mount (closing any of an earlier mount of that device). */
  async attach(mount: MountInfo): Promise<HealthmonStatus> {
    for (const [k, a] of this.mounts) {
      if (k.startsWith(`${mount.device}@`)) {
        this.mounts.delete(k);
        void a.handle?.stop();
      }
    }
    const a: Attached = { handle: null, status: { mode: 'log+ioctl', reason: 'opening', errno: null }, buffer: [], dropped: 0 };
    this.mounts.set(XfsHealthmonFeed.key(mount), a);
    try {
      a.handle = await this.open(mount.mountPoint, (events) => {
        const recs = healthmonRecords(events, mount.device, this.now());
        for (const r of recs) {
          if (a.buffer.length < this.maxBuffered) a.buffer.push(r);
          else a.dropped += r.source === 'loss' ? r.count : 1;
        }
      });
      a.status = { mode: 'healthmon', reason: null, errno: null };
      void a.handle.ended.then((e) => {
        const errno = e === null ? null : errnoOf(e);
        a.status = { mode: 'log+ioctl', reason: e === null ? 'the health monitor ended (filesystem unmounted)' : `the health monitor failed (${errno ?? String(e)})`, errno };
        a.handle = null;
      });
    } catch (e) {
      const errno = errnoOf(e);
      a.status = { mode: 'log+ioctl', reason: fallbackReason(errno, (e as { code?: string }).code), errno };
    }
    return a.status;
  }

  status(mount: MountInfo): HealthmonStatus | null {
    return this.mounts.get(XfsHealthmonFeed.key(mount))?.status ?? null;
  }

  /** True while the monitor of this mount runs (the probe then skips the health ioctls). */
  active(mount: MountInfo): boolean {
    return this.mounts.get(XfsHealthmonFeed.key(mount))?.status.mode === 'healthmon';
  }

  /** Everything buffered since the last take (records that arrived after the monitor ended too). */
  take(mount: MountInfo): RawRecord[] {
    const a = this.mounts.get(XfsHealthmonFeed.key(mount));
    if (!a) return [];
    const out = a.buffer;
    a.buffer = [];
    if (a.dropped > 0) {
      out.push({ source: 'loss', origin: 'ioctl', reason: HEALTHMON_LOST, count: a.dropped, device: mount.device, readAtUs: this.now() });
      a.dropped = 0;
    }
    return out;
  }

  /** Stops every monitor (watch is stopping). */
  async close(): Promise<void> {
    const all = [...this.mounts.values()];
    this.mounts.clear();
    await Promise.all(all.map((a) => a.handle?.stop()));
  }
}
