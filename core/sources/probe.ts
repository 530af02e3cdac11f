/**
 * A filesystem probe: the live source's per-filesystem-type reader of state the kernel keeps
 * outside the log (XFS health ioctls, geometry). The live source calls it when a filesystem of its
 * type is mounted, on a timer, and shortly after that filesystem reported an error. Probes do I/O;
 * plugins stay pure and only classify what probes read.
 */
import type { MountInfo, RawRecord } from '../model/raw-record';

export interface FsProbe {
  readonly fsType: string;
  /** Extra facts to attach to the mount when it appears (e.g. XFS geometry). */
  onMount?(mount: MountInfo): Partial<Pick<MountInfo, 'geometry'>> | Promise<Partial<Pick<MountInfo, 'geometry'>>>;
  /** Read the current state; records go through the pipeline like any other (HealthRecord ...). */
  poll(mount: MountInfo): RawRecord[] | Promise<RawRecord[]>;
}
