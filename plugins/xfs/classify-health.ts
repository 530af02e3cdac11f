/**
 * XFS health probes (FSGEOMETRY, AG_GEOMETRY, BULKSTAT) → events. A sick flag is damage XFS saw
 * in normal operation; it is an event even when the log line that went with it was lost.
 *
 * The core must hand over the *newly set* sick bits of each probe (a diff against the previous
 * snapshot of the same fs/AG/inode): flags stay set until unmount, and a standing flag re-reported
 * at every poll would count the same damage again and again. Each new flag counts as one error.
 * A failed probe is no event: after a shutdown every probe fails with EIO (the shutdown line is the
 * event), and BULKSTAT of an unreadable inode fails with EUCLEAN while logging the verifier failure
 * that is counted.
 */
import type { ClassifyContext, EventDraft, HealthRecord, Subtype } from '../../core/plugin-api';
import type { XfsBlob } from './blob';
import { emptyBlob } from './blob';
import { agOfInode, geometryOf } from './geometry';
import { AG_FLAGS, FS_FLAGS, INODE_FLAGS, flagNames, flagType } from './health-flags';

const EUCLEAN = 117;

export function classifyHealth(record: HealthRecord, ctx: ClassifyContext): EventDraft<XfsBlob> | null {
  if (record.failure !== null || record.sick === 0) return null;
  const blob = emptyBlob('health', record.device);
  let sick: string[];
  let inode: number | null = null;
  switch (record.scope) {
    case 'fs':
      sick = flagNames(record.sick, FS_FLAGS);
      blob.fsSick = sick;
      blob.fsChecked = flagNames(record.checked, FS_FLAGS);
      break;
    case 'ag':
      sick = flagNames(record.sick, AG_FLAGS);
      blob.agSick = sick;
      blob.agChecked = flagNames(record.checked, AG_FLAGS);
      blob.agno = record.index;
      break;
    case 'inode': {
      sick = flagNames(record.sick, INODE_FLAGS);
      blob.inodeSick = sick;
      blob.inodeChecked = flagNames(record.checked, INODE_FLAGS);
      inode = record.index;
      if (inode !== null) {
        blob.inode = inode;
        blob.inodes = [inode];
        const g = geometryOf(ctx, record.device);
        if (g) blob.agno = agOfInode(g, inode);
      }
      break;
    }
    default:
      return null;
  }
  blob.metadataType = flagType(sick);
  blob.structure = `${record.scope} health`;
  const subtypes: Subtype[] = ['metadata'];
  if (sick.some((n) => n.endsWith('quota') || n === 'quotacheck')) subtypes.push('quota');
  if (sick.includes('counters') || sick.includes('bnobt') || sick.includes('cntbt')) subtypes.push('allocation');
  return {
    device: record.device,
    errno: EUCLEAN,
    count: sick.length,
    timeUs: record.readAtUs,
    source: 'ioctl',
    subtypes,
    inode,
    blob,
  };
}
