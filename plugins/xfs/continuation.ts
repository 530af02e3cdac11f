/**
 * Continuation lines: kernel records that only complete the report before them. After a verifier
 * failure XFS logs "Unmount and run xfs_repair", "First 128 bytes of corrupted metadata buffer:",
 * eight hex-dump lines without any `XFS (dev):` prefix, and (ratelimited) the "metadata I/O error"
 * line for the same buffer. None of them is a new error.
 *
 * Proposed plugin API member (README.md): the core offers each kmsg record first to
 * `continuation(record, previous)` of the plugin whose event it queued last, when that event is
 * still queued and the record's seq directly follows the last record the plugin classified or
 * continued; a returned blob replaces previous.blob (count unchanged), null means "classify it".
 */
import type { FsEvent, KmsgRecord } from '../../core/plugin-api';
import type { XfsBlob } from './blob';
import { DUMP_CAP } from './blob';
import { parseXfsLine } from './kmsg-lines';
import { joinRanges, spanOf } from './merge';

/** Reports that XFS follows with a hex dump and repair advice. */
const DUMPED = new Set(['verifier', 'internal', 'free-inode']);

export function continuation(record: KmsgRecord, previous: Readonly<FsEvent<XfsBlob>>): XfsBlob | null {
  const prev = previous.blob;
  if (!prev || record.facility !== 0) return null;
  const line = parseXfsLine(record.text);
  if (!line) return null;
  // A prefixed line continues only a report about the same device.
  if ('device' in line && line.device !== prev.device) return null;

  switch (line.kind) {
    case 'hexdump': {
      if (!DUMPED.has(prev.messageType)) return null;
      const have = prev.dump ?? '';
      // Keep the first dump only, and only while it is contiguous: a merged event has its dump.
      if (have.length >= DUMP_CAP * 2 || line.offset !== have.length / 2) return { ...prev };
      return { ...prev, dump: (have + line.hex).slice(0, DUMP_CAP * 2) };
    }
    case 'dump-header':
      return DUMPED.has(prev.messageType) ? { ...prev, dumpBytes: prev.dumpBytes ?? line.bytes } : null;
    case 'advisory':
      if (DUMPED.has(prev.messageType) && /Unmount and run xfs_repair$/.test(line.message)) return { ...prev };
      if (prev.messageType === 'shutdown' && line.message.startsWith('Please unmount the filesystem')) return { ...prev };
      return null;
    case 'io-error': {
      // The buffer read that failed verification, reported again with its reader and length.
      if (prev.messageType !== 'verifier' || previous.errno !== line.errno) return null;
      if (!prev.ranges.some((r) => line.daddr >= r.daddr && line.daddr <= r.daddr + r.length)) return null;
      const out: XfsBlob = { ...prev, ioFunction: prev.ioFunction ?? line.function };
      out.ranges = joinRanges(prev.ranges, [{ daddr: line.daddr, length: line.length }]);
      spanOf(out);
      return out;
    }
    default:
      return null;
  }
}
