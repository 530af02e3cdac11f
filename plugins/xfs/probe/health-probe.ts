/**
 * The XFS probe: geometry at mount (so the xfs plugin can compute AGs from daddrs and inode
 * numbers) and the in-memory health flags on each poll: one fs-scope record from
 * XFS_IOC_FSGEOMETRY and one ag-scope record per AG from XFS_IOC_AG_GEOMETRY. The pipeline diffs
 * the snapshots, so a standing sick flag is reported once.
 *
 * Work per poll is bounded: one FSGEOMETRY plus at most `maxAgsPerPoll` AG_GEOMETRY calls. A
 * filesystem with more AGs is covered round robin, `maxAgsPerPoll` AGs a poll, so a flag in AG n is
 * seen within ceil(agcount / maxAgsPerPoll) polls.
 *
 * No inode scope: the inodes a log line names are the ones XFS cannot load, and BULKSTAT of such an
 * inode reads the broken buffer again and logs the whole verifier report (hex dump included) a
 * second time, which the xfs plugin would count as a new error (kernel-error-sources.md 5.1: a
 * careless loop flooded 470,000 records). AG INODES already says "bad inodes were seen here".
 *
 * The ioctls run off the JS thread (the plugin API's `kernel.xfs*Async`): on a failing disk they
 * can wait seconds. It lives in the plugin and is bound with it (xfsPlugin.createProbe).
 *
 * A failed probe (EIO after a forced shutdown, where even open() of the mount point fails) is one
 * HealthRecord with `failure` set: no event (the shutdown line is the event), but the record shows
 * the probe stopped. Then the mount backs off, doubling the polls it skips up to `maxBackoffPolls`,
 * and reports the failure again only when it changes; a remount starts afresh (onMount).
 */
import { isFsfaultError, kernel } from '../../../core/plugin-api';
import type { FsProbe, HealthRecord, MountInfo, RawRecord } from '../../../core/plugin-api';

type XfsFsGeometry = kernel.XfsFsGeometry;

export interface XfsHealthProbeOptions {
  /** AG_GEOMETRY calls per poll at most (default 16). */
  maxAgsPerPoll?: number;
  /** Longest back-off after failed probes, in skipped polls (default 64). */
  maxBackoffPolls?: number;
}

/** The FSGEOMETRY fields put into MountInfo.geometry (names of struct xfs_fsop_geom). */
const GEOMETRY_FIELDS = ['blocksize', 'agblocks', 'agcount', 'datablocks', 'logblocks', 'sectsize', 'inodesize'] as const;

interface MountState {
  /** First AG of the next poll's window. */
  nextAg: number;
  /** errno name of the current failure streak, null while probes succeed. */
  failure: string | null;
  /** Polls still to skip, and the skip count of the next failure. */
  skip: number;
  backoff: number;
}

function mountGeometry(g: XfsFsGeometry): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of GEOMETRY_FIELDS) out[f] = g[f];
  return out;
}

export class XfsHealthProbe implements FsProbe {
  readonly fsType = 'xfs';
  private readonly maxAgs: number;
  private readonly maxBackoff: number;
  /** Keyed by device and mount id: a remount is a new mount id and starts healthy. */
  private readonly states = new Map<string, MountState>();

  constructor(opts: XfsHealthProbeOptions = {}) {
    this.maxAgs = opts.maxAgsPerPoll ?? 16;
    this.maxBackoff = opts.maxBackoffPolls ?? 64;
    if (!Number.isInteger(this.maxAgs) || this.maxAgs < 1) throw new RangeError(`maxAgsPerPoll must be a positive integer (got ${this.maxAgs})`);
    if (!Number.isInteger(this.maxBackoff) || this.maxBackoff < 1) throw new RangeError(`maxBackoffPolls must be a positive integer (got ${this.maxBackoff})`);
  }

  async onMount(mount: MountInfo): Promise<Partial<Pick<MountInfo, 'geometry'>>> {
    // Forget earlier mounts of this device: their ids never come back.
    for (const k of this.states.keys()) if (k.startsWith(`${mount.device}@`)) this.states.delete(k);
    this.states.set(key(mount), { nextAg: 0, failure: null, skip: 0, backoff: 1 });
    try {
      return { geometry: mountGeometry(await kernel.xfsFsGeometryAsync(mount.mountPoint)) };
    } catch (e) {
      // Mounted already shut down, or gone again: no geometry means no AG numbers, never wrong ones.
      errnoOf(e); // rethrows anything but a failed ioctl
      return {};
    }
  }

  async poll(mount: MountInfo): Promise<RawRecord[]> {
    let st = this.states.get(key(mount));
    if (!st) {
      st = { nextAg: 0, failure: null, skip: 0, backoff: 1 };
      this.states.set(key(mount), st);
    }
    if (st.skip > 0) {
      st.skip--;
      return [];
    }
    const now = Date.now() * 1000;
    const record = (scope: HealthRecord['scope'], index: number | null, sick: number, checked: number, failure: string | null): HealthRecord => ({
      source: 'ioctl',
      device: mount.device,
      fsType: 'xfs',
      readAtUs: now,
      scope,
      index,
      sick,
      checked,
      failure,
    });
    let fs: XfsFsGeometry;
    try {
      fs = await kernel.xfsFsGeometryAsync(mount.mountPoint);
    } catch (e) {
      return this.failed(st, record('fs', null, 0, 0, errnoOf(e)));
    }
    const out: RawRecord[] = [record('fs', null, fs.sick, fs.checked, null)];
    const n = Math.min(fs.agcount, this.maxAgs);
    const first = st.nextAg % fs.agcount;
    for (let i = 0; i < n; i++) {
      const agno = (first + i) % fs.agcount;
      try {
        const ag = await kernel.xfsAgGeometryAsync(mount.mountPoint, agno);
        out.push(record('ag', agno, ag.sick, ag.checked, null));
      } catch (e) {
        out.push(...this.failed(st, record('ag', agno, 0, 0, errnoOf(e))));
        return out;
      }
    }
    st.nextAg = (first + n) % fs.agcount;
    st.failure = null;
    st.backoff = 1;
    return out;
  }

  private failed(st: MountState, r: HealthRecord): RawRecord[] {
    const repeated = st.failure === r.failure;
    st.failure = r.failure;
    st.skip = st.backoff;
    st.backoff = Math.min(st.backoff * 2, this.maxBackoff);
    return repeated ? [] : [r];
  }
}

function key(m: MountInfo): string {
  return `${m.device}@${m.mountId}`;
}

/** errno name of a failed ioctl; anything but a typed syscall failure is a bug and propagates. */
function errnoOf(e: unknown): string {
  if (isFsfaultError(e, 'NATIVE_SYSCALL') && typeof e.details.errno === 'string') return e.details.errno;
  throw e;
}
