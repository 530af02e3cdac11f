/**
 * Linux 7.0+ XFS health monitor (XFS_IOC_HEALTH_MONITOR): an fd of fixed-size events the kernel has
 * already merged (same domain/type: masks OR, adjacent ranges join). native/ reads and decodes them
 * (layout and numbers of the merged xfs_fs.h in native/README.md) into names and numbers; this file
 * turns those into raw records (`healthmonRecords`) and classifies them (`classifyHealthMonitor`).
 * 6.18 has no such ioctl (ENOTTY): everything here is tested with byte-exact records built from the
 * header's layout (test/fixtures/xfs-healthmon-records.txt).
 *
 * Masks keep the kernel's bit values: the same XFS_*_SICK_* bits as the geometry ioctls,
 * XFS_HEALTH_SHUTDOWN_* (= the SHUTDOWN_* bits of the log line) for shutdowns.
 */
import type { ClassifyContext, EventDraft, RawRecord, Subtype } from '../../core/plugin-api';
import type { XfsBlob } from './blob';
import { emptyBlob } from './blob';
import { agOfDaddr, agOfInode, geometryOf } from './geometry';
import { AG_FLAGS, FS_FLAGS, INODE_FLAGS, SHUTDOWN_FLAGS, flagNames, flagType } from './health-flags';

/** LOST reason of events the kernel's monitor queue dropped (its own LOST records, with a count). */
export const HEALTHMON_LOST = 'xfs-healthmon-lost';
/** LOST reason of a record whose domain or type this build does not know (a newer kernel). */
export const HEALTHMON_UNKNOWN = 'xfs-healthmon-unknown';

const DOMAINS = ['mount', 'fs', 'ag', 'inode', 'rtgroup', 'datadev', 'rtdev', 'logdev', 'filerange'] as const;
const TYPES = ['running', 'lost', 'unmount', 'sick', 'corrupt', 'healthy', 'shutdown', 'media_error', 'bufread', 'bufwrite', 'dioread', 'diowrite', 'datalost'] as const;

/** One decoded monitor event as native/ delivers it (native/types.ts XfsHealthmonEvent). */
export interface XfsHealthmonEventIn {
  domain: string;
  type: string;
  timeUs: number;
  mask: number | null;
  group: number | null;
  ino: number | null;
  gen: number | null;
  daddr: number | null;
  sectors: number | null;
  pos: number | null;
  bytes: number | null;
  errno: number | null;
  lostCount: number | null;
}

export interface XfsHealthMonitorRecord {
  source: 'healthmon';
  device: string;
  fsType: 'xfs';
  readAtUs: number;
  /** The event's time_ns / 1000 (CLOCK_REALTIME µs, when the kernel queued it). */
  timeUs: number;
  domain: (typeof DOMAINS)[number];
  type: (typeof TYPES)[number];
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

/**
 * Raw records of decoded monitor events: a LOST event is the kernel's own count of dropped events
 * (a LossRecord for the rescue slot, reason `xfs-healthmon-lost`); a domain or type this build
 * does not know is counted as a loss too (`xfs-healthmon-unknown`), never silently dropped.
 */
export function healthmonRecords(events: readonly XfsHealthmonEventIn[], device: string, readAtUs: number): RawRecord[] {
  const out: RawRecord[] = [];
  for (const e of events) {
    if (!(DOMAINS as readonly string[]).includes(e.domain) || !(TYPES as readonly string[]).includes(e.type)) {
      out.push({ source: 'loss', origin: 'ioctl', reason: HEALTHMON_UNKNOWN, count: 1, device, readAtUs });
    } else if (e.type === 'lost') {
      out.push({ source: 'loss', origin: 'ioctl', reason: HEALTHMON_LOST, count: Math.max(1, e.lostCount ?? 1), device, readAtUs });
    } else {
      // Field by field: the native object also carries time_ns as a BigInt, which no record keeps.
      const r: XfsHealthMonitorRecord = {
        source: 'healthmon',
        device,
        fsType: 'xfs',
        readAtUs,
        timeUs: e.timeUs,
        domain: e.domain as XfsHealthMonitorRecord['domain'],
        type: e.type as XfsHealthMonitorRecord['type'],
        mask: e.mask ?? 0,
        group: e.group,
        ino: e.ino,
        gen: e.gen,
        daddr: e.daddr,
        sectors: e.sectors,
        pos: e.pos,
        bytes: e.bytes,
        errno: e.errno,
        lostCount: e.lostCount,
      };
      out.push(r as unknown as RawRecord);
    }
  }
  return out;
}

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
    // Life cycle and repairs are not errors. LOST is a loss, not an error: healthmonRecords turns
    // it into a LossRecord (origin 'ioctl', reason 'xfs-healthmon-lost', count lostCount).
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
