/**
 * Allocation-group arithmetic. The kernel log gives disk addresses and inode numbers, never AGs;
 * the AG needs the filesystem geometry (XFS_IOC_FSGEOMETRY), which a plugin cannot read itself.
 *
 * The core does not offer geometry yet (plugin API 1.0.0). This plugin reads it through the
 * proposed optional context member `fsGeometry(device)` (see README.md) and computes no AG when it
 * is absent: a wrong AG would merge unrelated errors, a missing one only merges less precisely.
 */
import type { ClassifyContext } from '../../core/plugin-api';

/** The FSGEOMETRY fields the arithmetic needs, named as in struct xfs_fsop_geom. */
export interface XfsGeometry {
  blocksize: number;
  agblocks: number;
  inodesize: number;
}

/** The proposed context extension: geometry of a mounted device, when the core has read it. */
type GeometryContext = ClassifyContext & { fsGeometry?(device: string): Readonly<Record<string, number>> | undefined };

const isPow2 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

export function geometryOf(ctx: ClassifyContext, device: string | null): XfsGeometry | null {
  if (device === null) return null;
  const g = (ctx as GeometryContext).fsGeometry?.(device);
  if (!g) return null;
  const { blocksize, agblocks, inodesize } = g;
  // Anything else is not an XFS geometry; computing with it would invent AGs.
  if (!isPow2(blocksize) || !isPow2(inodesize) || inodesize > blocksize || !Number.isInteger(agblocks) || agblocks! <= 0) return null;
  return { blocksize, agblocks: agblocks!, inodesize };
}

/** daddr is in 512-byte sectors: agno = (daddr * 512 / blocksize) / agblocks. */
export function agOfDaddr(g: XfsGeometry, daddr: number): number {
  return Math.floor((daddr * 512) / g.blocksize / g.agblocks);
}

/**
 * An inode number is (agno << (agblklog + inopblog)) | agino-in-AG, with agblklog =
 * ceil(log2(agblocks)) (sb_agblklog, log2_roundup in mkfs) and inopblog = log2(blocksize / inodesize).
 */
export function agOfInode(g: XfsGeometry, ino: number): number {
  const agblklog = Math.ceil(Math.log2(g.agblocks));
  const inopblog = Math.log2(g.blocksize / g.inodesize);
  return Math.floor(ino / 2 ** (agblklog + inopblog));
}
