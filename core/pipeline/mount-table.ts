/**
 * The pipeline's view of mounted filesystems: device ↔ fsid ↔ mount point, and which of them
 * fanotify currently watches. Fed by the mount watcher (live) or by replay `mount` records.
 */
import type { MountInfo } from '../model/raw-record';
import type { FsIdentity } from '../model/event';

export interface MountDiff {
  added: MountInfo[];
  removed: MountInfo[];
}

/** How many devices' last filesystems are remembered (oldest forgotten first). */
export const MAX_KNOWN_DEVICES = 256;

export class MountTable {
  private byMountPoint = new Map<string, MountInfo>();
  private readonly watched = new Set<string>();
  /**
   * The last filesystem seen on each device, kept after it is unmounted (and across restarts through
   * the store: knownJson/restoreKnown), so a kernel-log line that names a device no longer mounted
   * still gets the identity fsfault knew instead of none.
   */
  private readonly known = new Map<string, FsIdentity>();
  /** Bumped whenever `known` changes, so the pipeline stores it only then. */
  knownVersion = 0;

  /** Replace the table with a fresh read; report what appeared and disappeared (by mount id + device). */
  replace(mounts: readonly MountInfo[]): MountDiff {
    const next = new Map(mounts.map((m) => [m.mountPoint, m]));
    const same = (a: MountInfo, b: MountInfo) => a.mountId === b.mountId && a.majorMinor === b.majorMinor && a.uniqueId === b.uniqueId;
    const added = mounts.filter((m) => {
      const old = this.byMountPoint.get(m.mountPoint);
      return !old || !same(old, m);
    });
    const removed = [...this.byMountPoint.values()].filter((m) => {
      const now = next.get(m.mountPoint);
      return !now || !same(now, m);
    });
    this.byMountPoint = next;
    return { added, removed };
  }

  add(m: MountInfo): void {
    this.byMountPoint.set(m.mountPoint, m);
    this.remember(identityOf(m));
  }

  private remember(fs: FsIdentity): void {
    if (!fs.device) return;
    this.known.delete(fs.device); // re-insert: Map order is the forgetting order
    this.known.set(fs.device, fs);
    if (this.known.size > MAX_KNOWN_DEVICES) this.known.delete(this.known.keys().next().value!);
    this.knownVersion++;
  }

  /** The last filesystem seen on each device, as JSON (a source cursor, stored with the events). */
  knownJson(): string {
    return JSON.stringify([...this.known.values()]);
  }

  /** Restore what knownJson stored; filesystems already seen in this run win. Bad JSON is ignored (it is only a hint). */
  restoreKnown(json: string | null): void {
    if (!json) return;
    let list: unknown;
    try {
      list = JSON.parse(json);
    } catch {
      return;
    }
    if (!Array.isArray(list)) return;
    const mine = new Map(this.known);
    this.known.clear();
    for (const f of list as FsIdentity[]) if (f && typeof f.device === 'string') this.remember(f);
    for (const f of mine.values()) this.remember(f);
  }

  remove(mountPoint: string): MountInfo | undefined {
    const m = this.byMountPoint.get(mountPoint);
    this.byMountPoint.delete(mountPoint);
    if (m) this.watched.delete(m.device);
    return m;
  }

  all(): MountInfo[] {
    return [...this.byMountPoint.values()];
  }

  byDevice(device: string): MountInfo | undefined {
    for (const m of this.byMountPoint.values()) if (m.device === device) return m;
    return undefined;
  }

  byFsid(fsid: string): MountInfo | undefined {
    for (const m of this.byMountPoint.values()) if (m.fsid === fsid) return m;
    return undefined;
  }

  setFanotifyWatched(device: string, on: boolean): void {
    if (on) this.watched.add(device);
    else this.watched.delete(device);
  }

  fanotifyWatched(device: string): boolean {
    return this.watched.has(device);
  }

  geometry(device: string): Readonly<Record<string, number>> | undefined {
    return this.byDevice(device)?.geometry ?? undefined;
  }

  /**
   * Identity of a filesystem from what is known about it: the mounted filesystem on the device (or
   * with the fsid); else, for a device no longer mounted, the last filesystem fsfault saw on it; else
   * only the device (identity unknown).
   */
  identity(fsType: string, device: string | null, fsid?: string | null): FsIdentity {
    const m = (device ? this.byDevice(device) : undefined) ?? (fsid ? this.byFsid(fsid) : undefined);
    if (m) return identityOf(m, m.fsid ?? fsid ?? null);
    const last = device && !fsid ? this.known.get(device) : undefined;
    if (last && (fsType === '*' || last.type === fsType)) return { ...last };
    return { type: fsType, device, majorMinor: null, fsid: fsid ?? null, uuid: null, mountPoint: null, mountUid: null };
  }
}

/** One literal per event (every classified record asks): no intermediate object, no spread. */
function identityOf(m: MountInfo, fsid: string | null = m.fsid): FsIdentity {
  return { type: m.fsType, device: m.device, majorMinor: m.majorMinor, fsid, uuid: m.uuid, mountPoint: m.mountPoint, mountUid: m.uniqueId ?? null };
}
