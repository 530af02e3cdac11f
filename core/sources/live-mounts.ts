/**
 * The live source's view of the filesystems it watches: the mount table filtered to the types that
 * have a plugin (and to sources.fsTypes / sources.mountPoints), grouped by superblock so that one
 * filesystem mounted twice (bind mounts) is one filesystem with one fanotify mark.
 */
import type { MountInfo } from '../model/raw-record';
import { MountTable } from '../pipeline/mount-table';
import type { FsPlugin } from '../plugin-api';

export interface TrackedFs {
  /** major:minor of the superblock: shared by every mount of one filesystem. */
  readonly key: string;
  /** The mount that is reported, marked and resolved through (the first one seen). */
  mount: MountInfo;
  readonly mountPoints: Set<string>;
  readonly plugin: FsPlugin;
  /** The FAN_FS_ERROR mark on this superblock succeeded. */
  fanotify: boolean;
}

export interface MountChanges {
  /** Filesystems that are newly mounted (or mounted again: a new superblock, marks gone). */
  appeared: TrackedFs[];
  /** Filesystems whose last watched mount went away. */
  gone: TrackedFs[];
  /** Filesystems still mounted elsewhere whose reported mount went away: `old` is what was reported. */
  moved: { fs: TrackedFs; old: MountInfo }[];
}

export class LiveMounts {
  private readonly table = new MountTable();
  private readonly byKey = new Map<string, TrackedFs>();

  /** `select` returns the plugin that watches a mount, or undefined to ignore it. */
  constructor(private readonly select: (m: MountInfo) => FsPlugin | undefined) {}

  /** Apply a fresh read of the mount table. Removals are applied before additions. */
  refresh(all: readonly MountInfo[]): MountChanges {
    const selected = all.filter((m) => this.select(m) !== undefined);
    const { added, removed } = this.table.replace(selected);
    const changes: MountChanges = { appeared: [], gone: [], moved: [] };
    for (const m of removed) {
      const fs = this.byKey.get(m.majorMinor);
      if (!fs || !fs.mountPoints.delete(m.mountPoint)) continue;
      if (fs.mountPoints.size === 0) {
        this.byKey.delete(fs.key);
        changes.gone.push(fs);
      } else if (fs.mount.mountPoint === m.mountPoint) {
        const next = selected.find((s) => s.majorMinor === fs.key && fs.mountPoints.has(s.mountPoint));
        if (next) {
          changes.moved.push({ fs, old: fs.mount });
          fs.mount = next;
        }
      }
    }
    for (const m of added) {
      const fs = this.byKey.get(m.majorMinor);
      if (fs) {
        fs.mountPoints.add(m.mountPoint);
        continue;
      }
      const tracked: TrackedFs = { key: m.majorMinor, mount: m, mountPoints: new Set([m.mountPoint]), plugin: this.select(m)!, fanotify: false };
      this.byKey.set(tracked.key, tracked);
      changes.appeared.push(tracked);
    }
    return changes;
  }

  all(): TrackedFs[] {
    return [...this.byKey.values()];
  }

  get(key: string): TrackedFs | undefined {
    return this.byKey.get(key);
  }

  byFsid(fsid: string): TrackedFs | undefined {
    for (const fs of this.byKey.values()) if (fs.mount.fsid === fsid) return fs;
    return undefined;
  }
}
