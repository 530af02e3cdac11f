/**
 * Linux 7.0+ XFS health monitor (XFS_IOC_HEALTH_MONITOR, kernel-error-sources.md 5.4): an fd of
 * fixed-size events the kernel has already merged. Not available on 6.18 (the ioctl gives ENOTTY),
 * so this is classified from constructed records only.
 *
 * The record is a proposal for core/model/raw-record.ts. The kernel's numeric domain/type values
 * changed between patch revisions, so the native reader decodes them with the 7.0 header and hands
 * over names; masks keep the kernel's bit values (the same XFS_*_SICK_* bits as the geometry
 * ioctls, SHUTDOWN_* bits for shutdowns).
 */
import type { ClassifyContext, EventDraft, Subtype } from '../../core/plugin-api';
import type { XfsBlob } from './blob';
import { emptyBlob } from './blob';
import { agOfDaddr, agOfInode, geometryOf } from './geometry';
import { AG_FLAGS, FS_FLAGS, INODE_FLAGS, SHUTDOWN_FLAGS, flagNames, flagType } from './health-flags';

export interface XfsHealthMonitorRecord {
  source: 'healthmon';
  device: string;
  fsType: 'xfs';
  readAtUs: number;
  /** The event's time_ns (kernel clock). */
  timeNs: number;
  domain: 'mount' | 'fs' | 'ag' | 'inode' | 'rtgroup' | 'datadev' | 'rtdev' | 'logdev' | 'filerange';
  type: 'running' | 'lost' | 'unmount' | 'sick' | 'corrupt' | 'healthy' | 'shutdown' | 'media_error' | 'bufread' | 'bufwrite' | 'dioread' | 'diowrite' | 'datalost';
  /** sick/corrupt/healthy: the domain's sick bits; shutdown: SHUTDOWN_* bits. */
  mask: number;
  /** AG or rtgroup number. */
  group: number | null;
  ino: number | null;
  gen: number | null;
  /** Media errors: device range in 512-byte sectors. */
  daddr: number | null;
  sectors: number | null;
  /** File I/O errors: byte range in the file. */
  pos: number | null;
  bytes: number | null;
  /** Positive errno of file I/O errors. */
  errno: number | null;
  /** LOST: events the kernel dropped. */
  lostCount: number | null;
}

/** XFS_RTGROUP_GEOM_SICK_* */
const RTGROUP_FLAGS = ['rtsb', 'rtbitmap', 'rtsummary', 'rtrmapbt', 'rtrefcntbt'];

const EIO = 5;
const EUCLEAN = 117;

export function isHealthMonitorRecord(r: { source: string }): r is XfsHealthMonitorRecord {
  return r.source === 'healthmon';
}

export function classifyHealthMonitor(r: XfsHealthMonitorRecord, ctx: ClassifyContext): EventDraft<XfsBlob> | null {
  const draft = (subtypes: Subtype[], errno: number | null): EventDraft<XfsBlob> => ({
    device: r.device,
    errno,
    count: 1,
    timeUs: r.readAtUs,
    source: 'ioctl',
    subtypes,
    blob: emptyBlob('healthmon', r.device),
  });
  const g = geometryOf(ctx, r.device);
  switch (r.type) {
    // Life cycle and repairs are not errors. LOST is a loss, not an error: the native reader must
    // turn it into a LossRecord (origin 'ioctl', reason 'xfs-healthmon-lost', count lostCount).
    case 'running':
    case 'unmount':
    case 'healthy':
    case 'lost':
      return null;
    case 'sick':
    case 'corrupt': {
      const d = draft(['metadata'], EUCLEAN);
      const b = d.blob;
      b.structure = `${r.domain} ${r.type}`;
      let names: string[];
      if (r.domain === 'fs') names = b.fsSick = flagNames(r.mask, FS_FLAGS);
      else if (r.domain === 'ag') {
        names = b.agSick = flagNames(r.mask, AG_FLAGS);
        b.agno = r.group;
      } else if (r.domain === 'rtgroup') {
        names = b.fsSick = flagNames(r.mask, RTGROUP_FLAGS);
        b.structure = `rtgroup ${r.group ?? '?'} ${r.type}`;
      } else if (r.domain === 'inode') {
        names = b.inodeSick = flagNames(r.mask, INODE_FLAGS);
        setInode(d, r.ino, g);
      } else return null;
      b.metadataType = flagType(names);
      return d;
    }
    case 'shutdown': {
      const d = draft(['shutdown'], null);
      d.blob.messageType = 'shutdown';
      d.blob.shutdownFlags = r.mask;
      d.blob.shutdownFlagNames = flagNames(r.mask, SHUTDOWN_FLAGS);
      return d;
    }
    case 'media_error': {
      const d = draft(['io'], EIO);
      d.blob.structure = r.domain;
      if (r.daddr !== null) {
        d.blob.ranges = [{ daddr: r.daddr, length: r.sectors ?? 0 }];
        d.blob.daddr = r.daddr;
        d.blob.length = r.sectors ?? 0;
        // Only data-device addresses belong to AGs.
        if (g && r.domain === 'datadev') d.blob.agno = agOfDaddr(g, r.daddr);
      }
      return d;
    }
    case 'bufread':
    case 'bufwrite':
    case 'dioread':
    case 'diowrite':
    case 'datalost': {
      const write = r.type === 'bufwrite' || r.type === 'diowrite';
      const d = draft(write ? ['data', 'writeback'] : ['data'], r.errno ?? EIO);
      d.blob.op = r.type;
      d.blob.metadataType = 'data';
      d.blob.fileOffset = r.pos;
      d.blob.fileLength = r.bytes;
      setInode(d, r.ino, g);
      return d;
    }
    default:
      return null;
  }
}

function setInode(d: EventDraft<XfsBlob>, ino: number | null, g: ReturnType<typeof geometryOf>): void {
  if (ino === null) return;
  d.inode = ino;
  d.blob.inode = ino;
  d.blob.inodes = [ino];
  if (g) d.blob.agno = agOfInode(g, ino);
}
