/**
 * Normalised XFS metadata types. The kernel names a failing buffer by its ops name
 * (`bp->b_ops->name`), and an I/O error only by the function that read it; both map onto one
 * vocabulary so that a log line and a health flag about the same structure share a merge key.
 */

/** Buffer ops names (fs/xfs/libxfs/*.c `const struct xfs_buf_ops`) → metadata type. */
const BUF_OPS: Record<string, string> = {
  xfs_sb: 'sb',
  xfs_sb_quiet: 'sb',
  xfs_agf: 'agf',
  xfs_agfl: 'agfl',
  xfs_agi: 'agi',
  xfs_bnobt: 'bnobt',
  xfs_cntbt: 'cntbt',
  xfs_inobt: 'inobt',
  xfs_finobt: 'finobt',
  xfs_rmapbt: 'rmapbt',
  xfs_refcountbt: 'refcntbt',
  xfs_bmbt: 'bmbt',
  xfs_inode: 'inode',
  xfs_dquot: 'dquot',
  xfs_dir3_block: 'dir3_block',
  xfs_dir3_data: 'dir3_data',
  xfs_dir3_free: 'dir3_free',
  xfs_dir3_leaf1: 'dir3_leaf',
  xfs_dir3_leafn: 'dir3_leaf',
  xfs_da3_node: 'da3_node',
  xfs_attr3_leaf: 'attr3_leaf',
  xfs_attr3_rmt: 'attr3_rmt',
  xfs_symlink: 'symlink',
  xfs_rtbuf: 'rtbitmap',
  xfs_rtbitmap: 'rtbitmap',
  xfs_rtsummary: 'rtsummary',
  xfs_rtsb: 'rtsb',
};

/** Readahead verifiers are the same structure read early: `xfs_dir3_data_reada`, `xfs_inode_ra`. */
const READAHEAD = /_(?:reada|ra)$/;

/** Answers by ops name (a few dozen names exist; every verifier line of a flood asks). Read-only. */
const BUF_OPS_SEEN = new Map<string, Readonly<{ metadataType: string; readahead: boolean }>>();

export function bufOpsType(opsName: string): Readonly<{ metadataType: string; readahead: boolean }> {
  const seen = BUF_OPS_SEEN.get(opsName);
  if (seen !== undefined) return seen;
  const readahead = READAHEAD.test(opsName);
  const base = opsName.replace(READAHEAD, '');
  // An ops name this table does not know still names the structure: keep it, minus the prefix.
  const t = Object.freeze({ metadataType: BUF_OPS[base] ?? base.replace(/^xfs_/, ''), readahead });
  // Bounded: a garbled log could name endless ops; past 256 names, answer without keeping.
  if (BUF_OPS_SEEN.size < 256) BUF_OPS_SEEN.set(opsName, t);
  return t;
}

/** Reader functions of "metadata I/O error in ..." lines → what they were reading. */
const IO_FUNCTIONS: Record<string, string> = {
  xfs_imap_to_bp: 'inode',
  xfs_read_agf: 'agf',
  xfs_read_agi: 'agi',
  xfs_alloc_read_agfl: 'agfl',
  xfs_readsb: 'sb',
  xfs_btree_read_buf_block: 'btree',
  xfs_da_read_buf: 'da_block',
  xfs_dir3_data_read: 'dir3_data',
  xfs_dir3_block_read: 'dir3_block',
  xfs_dquot_disk_read: 'dquot',
  xfs_symlink_remote_read: 'symlink',
  xfs_attr_rmtval_get: 'attr3_rmt',
};

/** Metadata type of an I/O error line's function; null when the function reads any buffer. */
export function ioFunctionType(fn: string): string | null {
  return IO_FUNCTIONS[fn] ?? null;
}
