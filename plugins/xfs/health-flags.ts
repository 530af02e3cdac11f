/**
 * XFS health flags (fs/xfs/libxfs/xfs_fs.h, 6.18) decoded to names, and the metadata type each
 * sick flag stands for (the same vocabulary as metadata-types.ts, so a flag and the log line that
 * set it merge).
 */

/** XFS_FSOP_GEOM_SICK_* (FSGEOMETRY sick/checked). */
export const FS_FLAGS = ['counters', 'uquota', 'gquota', 'pquota', 'rt_bitmap', 'rt_summary', 'quotacheck', 'nlinks', 'metadir', 'metapath'] as const;

/** XFS_AG_GEOM_SICK_* (AG_GEOMETRY ag_sick/ag_checked). INODES: bad inodes were seen in this AG. */
export const AG_FLAGS = ['sb', 'agf', 'agfl', 'agi', 'bnobt', 'cntbt', 'inobt', 'finobt', 'rmapbt', 'refcntbt', 'inodes'] as const;

/** XFS_BS_SICK_* (BULKSTAT bs_sick/bs_checked). */
export const INODE_FLAGS = ['inode', 'bmbtd', 'bmbta', 'bmbtc', 'dir', 'xattr', 'symlink', 'parent', 'dirtree'] as const;

/** SHUTDOWN_* flags of xfs_do_force_shutdown (also the 7.0 health monitor's shutdown reasons). */
export const SHUTDOWN_FLAGS = ['meta_io_error', 'log_io_error', 'force_umount', 'corrupt_incore', 'corrupt_ondisk', 'device_removed'] as const;

/** Names of the set bits; a bit without a name (a newer kernel) reads `bit<N>`, never vanishes. */
export function flagNames(mask: number, table: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if ((mask >>> i) & 1) out.push(table[i] ?? `bit${i}`);
  return out;
}

const FLAG_TYPE: Record<string, string> = {
  // fs scope
  counters: 'counters',
  uquota: 'quota',
  gquota: 'quota',
  pquota: 'quota',
  quotacheck: 'quota',
  rt_bitmap: 'rtbitmap',
  rt_summary: 'rtsummary',
  nlinks: 'nlinks',
  metadir: 'metadir',
  metapath: 'metadir',
  // ag scope
  sb: 'sb',
  agf: 'agf',
  agfl: 'agfl',
  agi: 'agi',
  bnobt: 'bnobt',
  cntbt: 'cntbt',
  inobt: 'inobt',
  finobt: 'finobt',
  rmapbt: 'rmapbt',
  refcntbt: 'refcntbt',
  inodes: 'inode',
  // inode scope
  inode: 'inode',
  bmbtd: 'bmbt',
  bmbta: 'bmbt',
  bmbtc: 'bmbt',
  dir: 'directory',
  xattr: 'xattr',
  symlink: 'symlink',
  parent: 'parent',
  dirtree: 'dirtree',
};

/** Metadata type of the lowest named flag: the key an event of several new flags merges under. */
export function flagType(names: readonly string[]): string | null {
  for (const n of names) if (FLAG_TYPE[n]) return FLAG_TYPE[n]!;
  return names.length ? names[0]! : null;
}
