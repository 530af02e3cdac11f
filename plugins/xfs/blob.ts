/**
 * The XFS blob (`fsfault.plugins.xfs.XfsBlob`): what an XFS event says beyond the generic fields.
 * Every list is capped so a blob stays small however many errors merge into it.
 */
import type { AvroRecordSchema } from '../../core/plugin-api';

/** A disk-address range in 512-byte sectors (XFS daddr units). */
export type XfsRange = { daddr: number; length: number };

export type XfsBlob = {
  /** verifier | io-error | shutdown | internal | free-inode | write-failure | block-io | health | suppressed | healthmon | fanotify | unknown */
  messageType: string;
  device: string | null;
  /** Allocation group; null when the geometry (or a HealthRecord naming the AG) was not available. */
  agno: number | null;
  /** Normalised kind of metadata: sb, agf, agfl, agi, inode, bnobt, cntbt, inobt, finobt, rmapbt, refcntbt, bmbt, dir3_data ... */
  metadataType: string | null;
  /** What the kernel named it: the buffer ops name (`xfs_dir3_data_reada`) or the inode part (`dinode`, `data fork`). */
  structure: string | null;
  /** The failure came from a readahead verifier (`*_reada`, `*_ra`). */
  readahead: boolean;
  /** Span of all ranges: lowest daddr and the distance to the highest end, in sectors. */
  daddr: number | null;
  length: number | null;
  /** Disjoint ranges, adjacent or overlapping ones joined; at most RANGE_CAP. */
  ranges: XfsRange[];
  /** First inode, and the distinct inodes seen (at most INODE_CAP). */
  inode: number | null;
  inodes: number[];
  /** Kernel function that reported it (`%pS` without offsets). */
  function: string | null;
  /** Function of the "metadata I/O error" line that followed a verifier failure. */
  ioFunction: string | null;
  /** Verifier name argument (`xfs_inode_buf_verify`), when printed. */
  verifier: string | null;
  /** Source position of a shutdown or internal error (`fs/xfs/xfs_fsops.c`, 475). */
  sourceFile: string | null;
  sourceLine: number | null;
  /** Shutdown text (`Log I/O Error`), SHUTDOWN_* flags and their names. */
  shutdownReason: string | null;
  shutdownFlags: number | null;
  shutdownFlagNames: string[];
  /** read | write for block-layer and write-back failures; the I/O kind for 7.0 health-monitor file errors. */
  op: string | null;
  /** A buffer write failed for good ("Corruption Alert ... permanent write failures"). */
  permanent: boolean;
  /** File byte range of a 7.0 file I/O error (health monitor), first one kept. */
  fileOffset: number | null;
  fileLength: number | null;
  /** First DUMP_CAP bytes of the corrupted buffer as hex, and how many bytes the kernel dumped. */
  dump: string | null;
  dumpBytes: number | null;
  /** Health flags decoded to names (XFS_FSOP_GEOM_SICK_*, XFS_AG_GEOM_SICK_*, XFS_BS_SICK_*). */
  fsSick: string[];
  fsChecked: string[];
  agSick: string[];
  agChecked: string[];
  inodeSick: string[];
  inodeChecked: string[];
  /** Message text of unknown and internal-error lines, cut to MESSAGE_CAP characters. */
  message: string | null;
};

export const RANGE_CAP = 8;
export const INODE_CAP = 8;
export const DUMP_CAP = 64;
export const MESSAGE_CAP = 240;

export function emptyBlob(messageType: string, device: string | null): XfsBlob {
  return {
    messageType,
    device,
    agno: null,
    metadataType: null,
    structure: null,
    readahead: false,
    daddr: null,
    length: null,
    ranges: [],
    inode: null,
    inodes: [],
    function: null,
    ioFunction: null,
    verifier: null,
    sourceFile: null,
    sourceLine: null,
    shutdownReason: null,
    shutdownFlags: null,
    shutdownFlagNames: [],
    op: null,
    permanent: false,
    fileOffset: null,
    fileLength: null,
    dump: null,
    dumpBytes: null,
    fsSick: [],
    fsChecked: [],
    agSick: [],
    agChecked: [],
    inodeSick: [],
    inodeChecked: [],
    message: null,
  };
}

const optional = (name: string, type: string, doc: string) => ({ name, type: ['null', type], default: null, doc });
const names = (name: string, doc: string) => ({ name, type: { type: 'array', items: 'string' }, default: [], doc });

export const xfsBlobSchema: AvroRecordSchema = {
  type: 'record',
  name: 'XfsBlob',
  namespace: 'fsfault.plugins.xfs',
  doc: 'XFS error detail: kernel-log message, allocation group, metadata, disk range, shutdown, health flags',
  fields: [
    { name: 'messageType', type: 'string', default: 'unknown', doc: 'verifier, io-error, shutdown, internal, free-inode, write-failure, block-io, health, suppressed, healthmon, fanotify, unknown' },
    optional('device', 'string', 'device short name (sb->s_id)'),
    optional('agno', 'long', 'allocation group, null when the geometry is unknown'),
    optional('metadataType', 'string', 'sb, agf, agfl, agi, inode, bnobt, cntbt, inobt, finobt, rmapbt, refcntbt, bmbt, dir3_data ...'),
    optional('structure', 'string', 'buffer ops name or inode part as the kernel printed it'),
    { name: 'readahead', type: 'boolean', default: false, doc: 'failure seen by a readahead verifier' },
    optional('daddr', 'long', 'lowest disk address, 512-byte sectors'),
    optional('length', 'long', 'sectors from daddr to the highest end'),
    {
      name: 'ranges',
      type: { type: 'array', items: { type: 'record', name: 'XfsRange', fields: [{ name: 'daddr', type: 'long' }, { name: 'length', type: 'long' }] } },
      default: [],
      doc: 'disjoint sector ranges, adjacent ones joined, at most 8',
    },
    optional('inode', 'long', 'first inode'),
    { name: 'inodes', type: { type: 'array', items: 'long' }, default: [], doc: 'distinct inodes, at most 8' },
    optional('function', 'string', 'reporting kernel function'),
    optional('ioFunction', 'string', 'function of the metadata I/O error line that followed a verifier failure'),
    optional('verifier', 'string', 'verifier name'),
    optional('sourceFile', 'string', 'kernel source file of a shutdown or internal error'),
    optional('sourceLine', 'int', 'kernel source line'),
    optional('shutdownReason', 'string', 'shutdown text, e.g. Log I/O Error'),
    optional('shutdownFlags', 'int', 'SHUTDOWN_* flags'),
    names('shutdownFlagNames', 'SHUTDOWN_* flag names'),
    optional('op', 'string', 'read or write (block layer, write-back, health monitor file I/O)'),
    { name: 'permanent', type: 'boolean', default: false, doc: 'a buffer write failed for good' },
    optional('fileOffset', 'long', 'file byte offset of a file I/O error (Linux 7.0 health monitor)'),
    optional('fileLength', 'long', 'file byte length of a file I/O error'),
    optional('dump', 'string', 'first 64 bytes of the corrupted buffer, hex'),
    optional('dumpBytes', 'int', 'bytes the kernel dumped'),
    names('fsSick', 'XFS_FSOP_GEOM_SICK_* names'),
    names('fsChecked', 'XFS_FSOP_GEOM_SICK_* names checked by scrub'),
    names('agSick', 'XFS_AG_GEOM_SICK_* names'),
    names('agChecked', 'XFS_AG_GEOM_SICK_* names checked by scrub'),
    names('inodeSick', 'XFS_BS_SICK_* names'),
    names('inodeChecked', 'XFS_BS_SICK_* names checked by scrub'),
    optional('message', 'string', 'text of an unknown or internal-error line, at most 240 characters'),
  ],
};
