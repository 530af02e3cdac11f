/**
 * ext4, jbd2 and block-layer kernel log formats (kernel-error-sources.md section 3.2, checked against
 * the lines recorded in test/fixtures/ext4-*.jsonl). Applied in order to the un-escaped message text;
 * the first match wins, so the specific `EXT4-fs error` forms come before the generic ones.
 */
import type { Ext4MessageType } from './blob';

export interface ParsedLine {
  type: Ext4MessageType;
  /** Kernel short name of the device (`loop0`), null when the line names none. */
  device: string | null;
  /** Block-layer lines name a disk that must be an ext4 mount before the plugin claims them. */
  blockLayer: boolean;
  g: Record<string, string | undefined>;
}

interface Pattern {
  type: Ext4MessageType;
  rx: RegExp;
  blockLayer?: boolean;
  /**
   * Literals every match contains: `prefix` is checked with startsWith, `contains` with includes
   * (both when a pattern has both).
   * A flood runs every line through the list (an XFS line through all of it, since ext4 is asked
   * first); a failed literal check costs a few ns where a failed exec, with its named groups and a
   * leading `.+`, costs far more. The literal is a necessary condition only: the regex decides.
   */
  prefix?: string;
  contains?: string;
}

const PATTERNS: Pattern[] = [
  {
    // __ext4_grp_locked_error: no space after `block N:` in the kernel's format.
    type: 'group-error',
    prefix: 'EXT4-fs error (device ',
    contains: ': group ',
    rx: /^EXT4-fs error \(device (?<device>[^)]+)\): (?<function>\w+):(?<line>\d+): group (?<group>\d+), (?:inode (?<inode>\d+): )?(?:block (?<block>\d+):)?(?<message>.*)$/s,
  },
  {
    // __ext4_error, __ext4_error_inode, __ext4_error_file. comm may contain ': ', so it is best effort.
    type: 'error',
    prefix: 'EXT4-fs error (device ',
    rx: /^EXT4-fs error \(device (?<device>[^)]+)\): (?<function>\w+):(?<line>\d+): (?:inode #(?<inode>\d+): )?(?:block (?<block>\d+): )?comm (?<comm>.{1,16}?): (?:path (?<path>.*?): )?(?<message>.*)$/s,
  },
  {
    type: 'std-error',
    prefix: 'EXT4-fs error (device ',
    rx: /^EXT4-fs error \(device (?<device>[^)]+)\) in (?<function>\w+):(?<line>\d+): (?<message>.*)$/s,
  },
  {
    // At mount: the journal recorded an error of a previous mount. A reminder, not a new error.
    type: 'error-summary',
    prefix: 'EXT4-fs warning (device ',
    rx: /^EXT4-fs warning \(device (?<device>[^)]+)\): (?<function>ext4_clear_journal_err):(?<line>\d+): (?<message>.*)$/s,
  },
  {
    type: 'warning',
    prefix: 'EXT4-fs warning (device ',
    rx: /^EXT4-fs warning \(device (?<device>[^)]+)\): (?<function>\w+):(?<line>\d+): (?:inode #(?<inode>\d+): (?:lblock (?<lblock>\d+): )?comm (?<comm>.{1,16}?): )?(?<message>.*)$/s,
  },
  { type: 'remount-ro', prefix: 'EXT4-fs (', rx: /^EXT4-fs \((?<device>[^)]+)\): Remounting filesystem read-only$/ },
  { type: 'shutdown', prefix: 'EXT4-fs (', rx: /^EXT4-fs \((?<device>[^)]+)\): shut down requested \((?<flags>\d+)\)$/ },
  {
    type: 'error-summary',
    prefix: 'EXT4-fs (',
    rx: /^EXT4-fs \((?<device>[^)]+)\): (?<which>initial|last) error at time (?<time>\d+): (?<function>\w+):(?<line>\d+)(?:: inode (?<inode>\d+))?(?:: block (?<block>\d+))?$/,
  },
  { type: 'error-summary', prefix: 'EXT4-fs (', rx: /^EXT4-fs \((?<device>[^)]+)\): error count since last fsck: (?<count>\d+)$/ },
  { type: 'error-summary', prefix: 'EXT4-fs (', rx: /^EXT4-fs \((?<device>[^)]+)\): (?<message>warning: mounting fs with errors.*)$/ },
  { type: 'jbd2-abort', prefix: 'Aborting journal on device ', rx: /^Aborting journal on device (?<device>\S+?)(?:-(?<journal>\d+))?\.$/ },
  { type: 'jbd2', prefix: 'JBD2: ', rx: /^JBD2: (?<message>.*)$/s },
  { type: 'suppressed', contains: ' callbacks suppressed', rx: /^(?<subsystem>EXT4-fs error|EXT4-fs warning|EXT4-fs|JBD2): (?<count>\d+) callbacks suppressed$/ },
  {
    type: 'io-error',
    blockLayer: true,
    contains: ': attempt to access beyond end of device\n',
    rx: /^(?<comm>.+): attempt to access beyond end of device\n(?<device>\S+): rw=(?<opf>\d+), sector=(?<sector>\d+), nr_sectors = (?<nr>\d+) limit=(?<limit>\d+)$/s,
  },
  {
    type: 'io-error',
    blockLayer: true,
    contains: ' error, dev ',
    rx: /^(?<status>.+?) error, dev (?<device>\S+), sector (?<sector>\d+) op 0x(?<op>[0-9a-f]+):\((?<operation>[\w-]+)\) flags 0x(?<flags>[0-9a-f]+) phys_seg (?<physSeg>\d+) prio class (?<prio>\d+)$/,
  },
  {
    // fs/buffer.c says `on dev`, ext4's page-io.c `on device` (both recorded on 6.18).
    type: 'io-error',
    blockLayer: true,
    prefix: 'Buffer I/O error on dev',
    rx: /^Buffer I\/O error on dev(?:ice)? (?<device>[^\s,]+), logical block (?<block>\d+)(?:, (?<operation>.*))?$/,
  },
  // Last: any other EXT4-fs line. Informational ones (mount, unmount) are dropped by level.
  { type: 'unknown', prefix: 'EXT4-fs', rx: /^EXT4-fs(?: error| warning)? \((?:device )?(?<device>[^)]+)\):? ?(?<message>.*)$/s },
  { type: 'unknown', prefix: 'EXT4-fs', rx: /^EXT4-fs(?<message>.*)$/s },
];

export function parseLine(text: string): ParsedLine | null {
  for (const p of PATTERNS) {
    if (p.prefix !== undefined && !text.startsWith(p.prefix)) continue;
    if (p.contains !== undefined && !text.includes(p.contains)) continue;
    const m = p.rx.exec(text);
    if (!m) continue;
    const g = m.groups ?? {};
    const device = g.device ?? (p.type === 'jbd2' ? jbd2Device(g.message!) : null);
    return { type: p.type, device, blockLayer: p.blockLayer === true, g };
  }
  return null;
}

/** `JBD2: ... for loop0-8.` / `... on loop0-8`: the journal's device name is `<bdev>-<journal inode>`. */
function jbd2Device(message: string): string | null {
  const m = /(?:for|on) (\S+?)(?:-\d+)?\.?$/.exec(message);
  return m ? m[1]! : null;
}
