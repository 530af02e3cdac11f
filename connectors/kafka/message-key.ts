/*
 * Message key = host + filesystem identity, so every event of one filesystem lands in one partition
 * and stays in order there. Grammar (UTF-8):
 *
 *   key      = host "/" fs-type "/" fs-ident
 *   fs-ident = "uuid:" uuid / "fsid:" fsid / "dev:" major-minor / "name:" device / "-"
 *
 * The most stable identity the event carries wins: the UUID survives reboots and loop-device
 * reuse, the fsid and major:minor do not always, the device name least.
 */
import type { FsEvent } from '../../core/model/event';

export function messageKey(e: Pick<FsEvent, 'host' | 'fs'>): string {
  const fs = e.fs;
  const ident = fs.uuid ? `uuid:${fs.uuid}` : fs.fsid ? `fsid:${fs.fsid}` : fs.majorMinor ? `dev:${fs.majorMinor}` : fs.device ? `name:${fs.device}` : '-';
  return `${e.host}/${fs.type}/${ident}`;
}
