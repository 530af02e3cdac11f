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
}

const PATTERNS: Pattern[] = [
  {
    // __ext4_grp_locked_error: no space after `block N:` in the kernel's format.
    type: 'group-error',
    rx: /^EXT4-fs error \(device (?<device>[^)]+)\): (?<function>\w+):(?<line>\d+): group (?<group>\d+), (?:inode (?<inode>\d+): )?(?:block (?<block>\d+):)?(?<message>.*)$/s,
  },
  {
    // __ext4_error, __ext4_error_inode, __ext4_error_file. comm may contain ': ', so it is best effort.
    type: 'error',
    rx: /^EXT4-fs error \(device (?<device>[^)]+)\): (?<function>\w+):(?<line>\d+): (?:inode #(?<inode>\d+): )?(?:block (?<block>\d+): )?comm (?<comm>.{1,16}?): (?:path (?<path>.*?): )?(?<message>.*)$/s,
  },
  {
    type: 'std-error',
    rx: /^EXT4-fs error \(device (?<device>[^)]+)\) in (?<function>\w+):(?<line>\d+): (?<message>.*)$/s,
  },
  {
    // At mount: the journal recorded an error of a previous mount. A reminder, not a new error.
    type: 'error-summary',
    rx: /^EXT4-fs warning \(device (?<device>[^)]+)\): (?<function>ext4_clear_journal_err):(?<line>\d+): (?<message>.*)$/s,
  },
  {
    type: 'warning',
    rx: /^EXT4-fs warning \(device (?<device>[^)]+)\): (?<function>\w+):(?<line>\d+): (?:inode #(?<inode>\d+): (?:lblock (?<lblock>\d+): )?comm (?<comm>.{1,16}?): )?(?<message>.*)$/s,
  },
  { type: 'remount-ro', rx: /^EXT4-fs \((?<device>[^)]+)\): Remounting filesystem read-only$/ },
  { type: 'shutdown', rx: /^EXT4-fs \((?<device>[^)]+)\): shut down requested \((?<flags>\d+)\)$/ },
  {
    type: 'error-summary',
    rx: /^EXT4-fs \((?<device>[^)]+)\): (?<which>initial|last) error at time (?<time>\d+): (?<function>\w+):(?<line>\d+)(?:: inode (?<inode>\d+))?(?:: block (?<block>\d+))?$/,
  },
  { type: 'error-summary', rx: /^EXT4-fs \((?<device>[^)]+)\): error count since last fsck: (?<count>\d+)$/ },
  { type: 'error-summary', rx: /^EXT4-fs \((?<device>[^)]+)\): (?<message>warning: mounting fs with errors.*)$/ },
  { type: 'jbd2-abort', rx: /^Aborting journal on device (?<device>\S+?)(?:-(?<journal>\d+))?\.$/ },
  { type: 'jbd2', rx: /^JBD2: (?<message>.*)$/s },
  { type: 'suppressed', rx: /^(?<subsystem>EXT4-fs error|EXT4-fs warning|EXT4-fs|JBD2): (?<count>\d+) callbacks suppressed$/ },
  {
    type: 'io-error',
    blockLayer: true,
    rx: /^(?<comm>.+): attempt to access beyond end of device\n(?<device>\S+): rw=(?<opf>\d+), sector=(?<sector>\d+), nr_sectors = (?<nr>\d+) limit=(?<limit>\d+)$/s,
  },
  {
    type: 'io-error',
    blockLayer: true,
    rx: /^(?<status>.+?) error, dev (?<device>\S+), sector (?<sector>\d+) op 0x(?<op>[0-9a-f]+):\((?<operation>[\w-]+)\) flags 0x(?<flags>[0-9a-f]+) phys_seg (?<physSeg>\d+) prio class (?<prio>\d+)$/,
  },
  {
    // fs/buffer.c says `on dev`, ext4's page-io.c `on device` (both recorded on 6.18).
    type: 'io-error',
    blockLayer: true,
    rx: /^Buffer I\/O error on dev(?:ice)? (?<device>[^\s,]+), logical block (?<block>\d+)(?:, (?<operation>.*))?$/,
  },
  // Last: any other EXT4-fs line. Informational ones (mount, unmount) are dropped by level.
  { type: 'unknown', rx: /^EXT4-fs(?: error| warning)? \((?:device )?(?<device>[^)]+)\):? ?(?<message>.*)$/s },
  { type: 'unknown', rx: /^EXT4-fs(?<message>.*)$/s },
];

export function parseLine(text: string): ParsedLine | null {
  for (const p of PATTERNS) {
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
