/**
 * btrfs kernel-log line formats (fs/btrfs/messages.c `_btrfs_printk`: `BTRFS <level> (device
 * <dev>[ state <letters>]): <text>`; `__btrfs_handle_fs_error`: `BTRFS: error (device <dev>[ state
 * …]) in <fn>:<line>: errno=<n> <text>`), checked against Linux 6.18 output (README.md).
 */
import type { BtrfsMessageType } from './blob';

const DEV = String.raw`\(device (?<device>[^) ]+)(?: state (?<state>[A-Z]+))?\)`;
const LEVEL = String.raw`(?<levelWord>emergency|alert|critical|error|warning|notice|info|debug)`;

export const FS_ERROR = new RegExp(String.raw`^BTRFS: error ${DEV} in (?<function>\w+):(?<line>\d+): errno=(?<errno>-?\d+) (?<message>.*)$`);
export const PRINTK = new RegExp(String.raw`^BTRFS ${LEVEL} ${DEV}: (?<text>.*)$`);

/** The text after `BTRFS <level> (device …): `, by message type. */
const TEXT: readonly [BtrfsMessageType, RegExp][] = [
  ['csum-data', /^csum failed root (?<root>-?\d+) ino (?<ino>-?\d+) off (?<off>\d+)(?: logical (?<logical>\d+))? csum (?<csum>0x[0-9a-f]+) expected csum (?<expected>0x[0-9a-f]+) mirror (?<mirror>\d+)$/],
  ['csum-meta', /^checksum verify failed on logical (?<logical>\d+) mirror (?<mirror>\d+) wanted (?<expected>0x[0-9a-f]+) found (?<csum>0x[0-9a-f]+) level (?<treelevel>\d+)/],
  ['parent-transid', /^parent transid verify failed on logical (?<logical>\d+) mirror (?<mirror>\d+) wanted (?<wanted>\d+) found (?<found>\d+)$/],
  ['tree-check', /^corrupt (?:leaf|node)[:,] (?:root=(?<root>-?\d+) block=(?<logical>\d+) (?:slot=\d+(?: ino=(?<ino>\d+))?)?,? ?)?/],
  ['tree-rw', /^(?:read|write) time tree block corruption detected on logical (?<logical>\d+)(?: mirror (?<mirror>\d+))?$/],
  ['devstats', /^bdev (?<bdev>\S+) errs: wr (?<wr>\d+), rd (?<rd>\d+), flush (?<flush>\d+), corrupt (?<corrupt>\d+), gen (?<gen>\d+)$/],
  ['read-corrected', /^read error corrected: ino (?<ino>\d+) off (?<off>\d+) \(dev (?<bdev>\S+) sector (?<sector>\d+)\)$/],
  ['trans-abort', /^Transaction aborted \(error (?<errno>-?\d+)\)$/],
  ['forced-ro', /^forced readonly$/],
  ['scrub', /^scrub: (?:unable to fixup|fixed up|(?:checksum|checksum\/header|header|super|generation)? ?error at)/],
];

export interface ParsedLine {
  type: BtrfsMessageType;
  device: string;
  state: string | null;
  levelWord: string | null;
  g: Record<string, string | undefined>;
  text: string;
}

export function parseLine(text: string): ParsedLine | null {
  const first = text.split('\n')[0]!;
  const e = FS_ERROR.exec(first);
  if (e?.groups) return { type: 'fs-error', device: e.groups.device!, state: e.groups.state ?? null, levelWord: null, g: e.groups, text: e.groups.message ?? '' };
  const p = PRINTK.exec(first);
  if (!p?.groups) return null;
  const body = p.groups.text!;
  for (const [type, re] of TEXT) {
    const m = re.exec(body);
    if (m) return { type, device: p.groups.device!, state: p.groups.state ?? null, levelWord: p.groups.levelWord!, g: { ...m.groups }, text: body };
  }
  return { type: 'other', device: p.groups.device!, state: p.groups.state ?? null, levelWord: p.groups.levelWord!, g: {}, text: body };
}
