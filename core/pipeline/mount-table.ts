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

export class MountTable {
  private byMountPoint = new Map<string, MountInfo>();
  private readonly watched = new Set<string>();

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

  /** Identity of a filesystem from what is known about it. */
  identity(fsType: string, device: string | null, fsid?: string | null): FsIdentity {
    const m = (device ? this.byDevice(device) : undefined) ?? (fsid ? this.byFsid(fsid) : undefined);
    return {
      type: m?.fsType ?? fsType,
      device: m?.device ?? device,
      majorMinor: m?.majorMinor ?? null,
      fsid: m?.fsid ?? fsid ?? null,
      uuid: m?.uuid ?? null,
      mountPoint: m?.mountPoint ?? null,
    };
  }
}
