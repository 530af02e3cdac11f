/**
 * The kernel error lines of a flood, as replay lines (what /dev/kmsg returns, wrapped in JSON), and
 * the mount records of their filesystems: shared by bench/pipeline-flood (the real path) and
 * bench/avro-encode (events classified from the same lines).
 */
export const EXT4_FS = 4;
export const XFS_FS = 2;
export const INODES = 16;
const T0_US = 1_795_000_000_000_000;

const EXT4_FUNCS = ['ext4_lookup:1855', 'ext4_iget:5112', '__ext4_find_entry:1700', 'ext4_readdir:258'];

export function mountLines(): string[] {
  const out: string[] = [];
  for (let n = 0; n < EXT4_FS + XFS_FS; n++) {
    const xfs = n >= EXT4_FS;
    out.push(
      JSON.stringify({
        source: 'mount',
        action: 'mounted',
        mount: {
          mountId: 100 + n,
          mountPoint: `/srv/vol${n}`,
          device: `loop${n}`,
          majorMinor: `7:${n}`,
          fsType: xfs ? 'xfs' : 'ext4',
          fsid: `00000007000000${n}0`,
          uuid: `5b0f1d2e-8c1a-4e0b-9f3d-00000000000${n}`,
          options: ['rw', 'relatime'],
        },
        readAtUs: T0_US,
      }),
    );
  }
  return out;
}

/**
 * The i-th kernel error line as a replay line (what /dev/kmsg returns, wrapped in JSON). An LCG picks
 * the filesystem and the inode/block; two thirds ext4 `EXT4-fs error` lines, one third XFS
 * `Metadata corruption detected` lines.
 */
export class Lines {
  private x = 12345;
  private seq = 1000;

  next(): string {
    this.x = (Math.imul(this.x, 1664525) + 1013904223) >>> 0;
    const x = this.x;
    const seq = this.seq++;
    const fsn = (x >>> 29) % (EXT4_FS + XFS_FS);
    const key = (x >>> 12) & (INODES - 1);
    let text: string;
    if (fsn < EXT4_FS) {
      const fn = EXT4_FUNCS[(x >>> 4) & 3]!;
      text = `2,${seq},${seq * 1000},-;EXT4-fs error (device loop${fsn}): ${fn}: inode #${100 + key}: comm find: deleted inode referenced: ${200 + key}\\n`;
    } else {
      text = `1,${seq},${seq * 1000},-;XFS (loop${fsn}): Metadata corruption detected at xfs_dir3_data_read_verify+0x25/0x70, xfs_dir3_data block 0x${(0x78 + key * 8).toString(16)} \\n`;
    }
    return `{"source":"kmsg","record":"${text}","readAtUs":${T0_US + seq}}`;
  }
}

