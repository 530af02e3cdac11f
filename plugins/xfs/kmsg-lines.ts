/**
 * XFS kernel-log lines (fs/xfs/xfs_message.c, xfs_error.c, xfs_buf.c, xfs_fsops.c, 6.18), parsed
 * into typed lines. The patterns are those of kernel-error-sources.md 3.2 (checked there against
 * captured lines), applied in order to the un-escaped message text; the first match wins.
 * `%pS` symbols lose their `+0xOFF/0xSIZE` (that changes with every build).
 */

const SYM = (g: string) => `(?<${g}>[\\w.$]+)\\+0x[0-9a-f]+/0x[0-9a-f]+(?: \\[\\w+\\])?`;
const DEV = 'XFS \\((?<device>[^)]+)\\): ';

const RX = {
  verifier: new RegExp(`^${DEV}Metadata (?<kind>corruption|CRC error) detected at ${SYM('function')}, (?:inode 0x(?<inode>[0-9a-f]+) (?<part>.*?)|(?<ops>\\w+) block 0x(?<daddr>[0-9a-f]+)(?:/0x(?<len>[0-9a-f]+))? ?(?<verifier>\\S*))\\s*$`, 's'),
  ioError: new RegExp(`^${DEV}metadata I/O error in "${SYM('function')}" at daddr 0x(?<daddr>[0-9a-f]+) len (?<len>\\d+) error (?<errno>\\d+)$`),
  shutdown: new RegExp(`^${DEV}(?<reason>Log I/O Error|Corruption of in-memory data|Corruption of on-disk metadata|Block device removal|Metadata I/O Error) \\(0x(?<flags>[0-9a-f]+)\\) detected at ${SYM('function')} \\((?<file>[^:()]+):(?<line>\\d+)\\)\\.\\s+Shutting down filesystem\\.$`),
  internal: new RegExp(`^${DEV}Internal error (?<tag>.+) at line (?<line>\\d+) of file (?<file>\\S+)\\.\\s+Caller ${SYM('function')}$`),
  freeInode: new RegExp(`^${DEV}Corruption detected! Free inode 0x(?<inode>[0-9a-f]+) (?<message>.*)$`),
  writeFail: new RegExp(`^${DEV}(?:Failing async write on buffer block 0x(?<daddr>[0-9a-f]+)\\. Retrying async write\\.|Corruption Alert: Buffer at daddr 0x(?<daddr2>[0-9a-f]+) had permanent write failures!)$`),
  dumpHeader: new RegExp(`^${DEV}First (?<bytes>\\d+) bytes of corrupted metadata buffer:$`),
  msg: new RegExp(`^${DEV}(?<message>.*)$`, 's'),
  suppressed: /^XFS: (?<what>.+): (?<count>\d+) callbacks suppressed$/,
  hexdump: /^(?<offset>[0-9a-f]{8}): (?<hex>(?:[0-9a-f]{2} ){1,16}) (?<ascii>.*)$/s,
  beyondEod: /^(?<comm>.+): attempt to access beyond end of device\n(?<disk>\S+): rw=(?<opf>\d+), sector=(?<sector>\d+), nr_sectors = (?<nr>\d+) limit=(?<limit>\d+)$/,
  reqError: /^(?<status>.+?) error, dev (?<disk>\S+), sector (?<sector>\d+) op 0x(?<op>[0-9a-f]+):\((?<opname>[\w-]+)\) flags 0x[0-9a-f]+ phys_seg \d+ prio class \d+$/,
};

/** Fixed strings that follow an error report and add nothing to it. */
const ADVISORY = [
  /^Unmount and run xfs_repair$/,
  /^Corruption detected\. Unmount and run xfs_repair$/,
  /^Please unmount the filesystem and rectify the problem\(s\)$/,
  /^Uncorrected metadata errors detected; please run xfs_repair\.$/,
  /^Corruption warning: Metadata has LSN \(-?\d+:-?\d+\) ahead of current LSN/,
  /^xfs_log_force: error -?\d+ returned\.$/,
];

/** Life-cycle and configuration messages: not errors. */
const INFO = [
  /^Mounting V\d+ Filesystem/,
  /^Ending clean mount$/,
  /^Unmounting Filesystem/,
  /^(?:Starting|Ending) recovery/,
  /^Quotacheck/,
  /^Deprecated V4 format/,
  /^EXPERIMENTAL /,
  /^DAX /,
  /^(?:Mounting|Ending) .* in no-recovery mode/,
  /^log mount/i,
  /^Filesystem .* (?:frozen|thawed)/,
  /^Instantiating /,
  /^(?:Discarding|Cleaning up|Recovering) /,
  /^(?:Using|Setting) /,
  /^(?:totally zeroed log|empty log check failed)/,
  /^Quota /,
  /^.* mount option .* deprecated/,
];

export type XfsLine =
  | { kind: 'verifier'; device: string; crc: boolean; function: string; inode: number | null; part: string | null; ops: string | null; daddr: number | null; length: number | null; verifier: string | null }
  | { kind: 'io-error'; device: string; function: string; daddr: number; length: number; errno: number }
  | { kind: 'shutdown'; device: string; reason: string; flags: number; function: string; file: string; line: number }
  | { kind: 'internal'; device: string; tag: string; function: string; file: string; line: number }
  | { kind: 'free-inode'; device: string; inode: number; message: string }
  | { kind: 'write-failure'; device: string; daddr: number; permanent: boolean }
  | { kind: 'dump-header'; device: string; bytes: number }
  | { kind: 'user-shutdown'; device: string }
  | { kind: 'advisory'; device: string; message: string }
  | { kind: 'info'; device: string; message: string }
  | { kind: 'unknown'; device: string; message: string }
  | { kind: 'suppressed'; what: string; count: number }
  | { kind: 'hexdump'; offset: number; hex: string }
  | { kind: 'block-io'; device: string; op: string; sector: number; sectors: number; status: string };

const hex = (s: string | undefined) => (s === undefined ? null : parseInt(s, 16));

/**
 * The last text parsed and its line: the core offers a kernel-log record to `continuation` (which
 * parses it) and, when that declines, to `classify` (which parses it again). Lines are never
 * mutated by their readers, so handing the same object out twice is safe. One entry, not a map of
 * recent texts: a flood of all-different lines would make such a map churn (every entry promoted
 * to the old generation, then dropped), which cost more than the regexes it saves.
 */
let lastText: string | null = null;
let lastLine: XfsLine | null = null;

/** Parse one un-escaped kmsg text. null: nothing XFS (or block-layer) would say. */
export function parseXfsLine(text: string): XfsLine | null {
  if (text === lastText) return lastLine;
  const line = parse(text);
  lastText = text;
  lastLine = line;
  return line;
}

function parse(text: string): XfsLine | null {
  let m: RegExpExecArray | null;
  if (text.startsWith('XFS (')) {
    if ((m = RX.verifier.exec(text))) {
      const g = m.groups!;
      return {
        kind: 'verifier',
        device: g.device!,
        crc: g.kind === 'CRC error',
        function: g.function!,
        inode: hex(g.inode),
        part: g.part?.trim() || null,
        ops: g.ops ?? null,
        daddr: hex(g.daddr),
        length: hex(g.len),
        verifier: g.verifier || null,
      };
    }
    if ((m = RX.ioError.exec(text))) {
      const g = m.groups!;
      return { kind: 'io-error', device: g.device!, function: g.function!, daddr: hex(g.daddr)!, length: Number(g.len), errno: Number(g.errno) };
    }
    if ((m = RX.shutdown.exec(text))) {
      const g = m.groups!;
      return { kind: 'shutdown', device: g.device!, reason: g.reason!, flags: hex(g.flags)!, function: g.function!, file: g.file!, line: Number(g.line) };
    }
    if ((m = RX.internal.exec(text))) {
      const g = m.groups!;
      return { kind: 'internal', device: g.device!, tag: g.tag!, function: g.function!, file: g.file!, line: Number(g.line) };
    }
    if ((m = RX.freeInode.exec(text))) {
      const g = m.groups!;
      return { kind: 'free-inode', device: g.device!, inode: hex(g.inode)!, message: g.message! };
    }
    if ((m = RX.writeFail.exec(text))) {
      const g = m.groups!;
      return { kind: 'write-failure', device: g.device!, daddr: hex(g.daddr ?? g.daddr2)!, permanent: g.daddr2 !== undefined };
    }
    if ((m = RX.dumpHeader.exec(text))) return { kind: 'dump-header', device: m.groups!.device!, bytes: Number(m.groups!.bytes) };
    if ((m = RX.msg.exec(text))) {
      const device = m.groups!.device!;
      const message = m.groups!.message!;
      if (message === 'User initiated shutdown received.') return { kind: 'user-shutdown', device };
      if (ADVISORY.some((r) => r.test(message))) return { kind: 'advisory', device, message };
      if (INFO.some((r) => r.test(message))) return { kind: 'info', device, message };
      return { kind: 'unknown', device, message };
    }
    return null;
  }
  // Each regex below runs only when a literal every match contains is there: every kernel-log line
  // of other filesystems comes through here (an ext4 flood after each XFS line, via continuation).
  if (text.startsWith('XFS: ') && (m = RX.suppressed.exec(text))) return { kind: 'suppressed', what: m.groups!.what!, count: Number(m.groups!.count) };
  if (text.charCodeAt(8) === 0x3a /* ':' after the 8-digit offset */ && (m = RX.hexdump.exec(text))) {
    return { kind: 'hexdump', offset: parseInt(m.groups!.offset!, 16), hex: m.groups!.hex!.replace(/ /g, '') };
  }
  if (text.includes(': attempt to access beyond end of device\n') && (m = RX.beyondEod.exec(text))) {
    const g = m.groups!;
    // rw= is the bio's opf: the low 8 bits are the operation (0 read, 1 write)
    const op = Number(g.opf) & 0xff;
    return { kind: 'block-io', device: g.disk!, op: op === 0 ? 'read' : op === 1 ? 'write' : `op${op}`, sector: Number(g.sector), sectors: Number(g.nr), status: 'beyond end of device' };
  }
  if (text.includes(' error, dev ') && (m = RX.reqError.exec(text))) {
    const g = m.groups!;
    return { kind: 'block-io', device: g.disk!, op: g.opname!.toLowerCase(), sector: Number(g.sector), sectors: 0, status: g.status! };
  }
  return null;
}
