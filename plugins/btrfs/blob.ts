/**
 * The btrfs blob: what a btrfs kernel-log line says beyond the generic event fields. Every field is
 * nullable with a null default (Avro evolution: readers and writers of older or newer versions
 * stay compatible); fields are only ever added at the end.
 */
import type { AvroRecordSchema } from '../../core/plugin-api';

/** Which kernel message an event came from (README "Message types"). */
export type BtrfsMessageType =
  | 'csum-data'
  | 'csum-meta'
  | 'tree-check'
  | 'tree-rw'
  | 'parent-transid'
  | 'devstats'
  | 'read-corrected'
  | 'fs-error'
  | 'trans-abort'
  | 'forced-ro'
  | 'scrub'
  | 'other';

export interface BtrfsBlob {
  [field: string]: unknown;
  messageType: BtrfsMessageType | null;
  /** Syslog level, the printk level word (`error`, `warning`, `critical` ...) and the state letters (`EA`). */
  level: number | null;
  levelWord: string | null;
  state: string | null;
  /** Kernel function and line of `BTRFS: error (device …) in fn:line`. */
  function: string | null;
  line: number | null;
  /** Subvolume root, inode and file offset of a data csum failure (or of a corrected read). */
  root: number | null;
  ino: number | null;
  off: number | null;
  /** btrfs logical address (tree block or extent) and the mirror that failed. */
  logical: number | null;
  mirror: number | null;
  /** Checksum found and expected (data: `csum … expected csum …`, metadata: `found … wanted …`). */
  csum: string | null;
  expected: string | null;
  /** Block device of `bdev /dev/loop0 errs: …` and its device error counters after this error. */
  bdev: string | null;
  writeErrs: number | null;
  readErrs: number | null;
  flushErrs: number | null;
  corruptionErrs: number | null;
  generationErrs: number | null;
  /** Free text after the fixed prefix, at most MAX_MESSAGE characters. */
  message: string | null;
  /** Log lines folded into this event (the first line plus continuations and merged lines). */
  lines: number | null;
  seq: number | null;
}

export const MAX_MESSAGE = 240;

const nullable = (name: string, type: string, doc: string) => ({ name, type: ['null', type], default: null, doc });

export const btrfsBlobSchema: AvroRecordSchema = {
  type: 'record',
  name: 'BtrfsDetail',
  namespace: 'fsfault.plugins.btrfs',
  doc: 'What a btrfs kernel-log line says beyond the generic event fields',
  fields: [
    nullable('messageType', 'string', 'csum-data, csum-meta, tree-check, tree-rw, parent-transid, devstats, read-corrected, fs-error, trans-abort, forced-ro, scrub, other'),
    nullable('level', 'int', 'syslog level of the first line'),
    nullable('levelWord', 'string', 'printk level word: error, warning, critical ...'),
    nullable('state', 'string', 'fs state letters after the device (E error, A aborted ...)'),
    nullable('function', 'string', 'kernel function of BTRFS: error ... in fn:line'),
    nullable('line', 'int', 'kernel source line'),
    nullable('root', 'long', 'subvolume root id'),
    nullable('ino', 'long', 'inode number'),
    nullable('off', 'long', 'file offset'),
    nullable('logical', 'long', 'btrfs logical address'),
    nullable('mirror', 'int', 'mirror number'),
    nullable('csum', 'string', 'checksum found'),
    nullable('expected', 'string', 'checksum expected'),
    nullable('bdev', 'string', 'block device of the device error counters'),
    nullable('writeErrs', 'long', 'device write_errs after this error'),
    nullable('readErrs', 'long', 'device read_errs'),
    nullable('flushErrs', 'long', 'device flush_errs'),
    nullable('corruptionErrs', 'long', 'device corruption_errs'),
    nullable('generationErrs', 'long', 'device generation_errs'),
    nullable('message', 'string', 'text after the fixed prefix'),
    nullable('lines', 'int', 'log lines folded into this event'),
    nullable('seq', 'long', 'kmsg sequence number of the first line'),
  ],
};

export function emptyBlob(messageType: BtrfsMessageType): BtrfsBlob {
  const b: Record<string, unknown> = {};
  for (const f of btrfsBlobSchema.fields) b[f.name] = null;
  b.messageType = messageType;
  return b as BtrfsBlob;
}
