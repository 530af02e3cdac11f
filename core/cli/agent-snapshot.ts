/**
 * What `watch` tells the fleet about itself (the agent record, core/schema/agent-schema.ts): the
 * filesystems in the mount table (the ones the sources watch), how they are watched, and their
 * state and totals from the store's health projection — the same numbers `fsfault status` prints.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MountTable } from '../pipeline/mount-table';
import type { LocalStore } from '../store/local-store';
import { healthKey } from '../projections/fs-health';
import type { AgentFilesystem, AgentRecord } from '../schema/agent-schema';

export type AgentBody = Omit<AgentRecord, 'heartbeatTime' | 'stoppedTime' | 'intervalMs'>;

export function fsfaultVersion(): string {
  const file = path.resolve(__dirname, '..', '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

export function agentSnapshotter(host: string, mounts: MountTable, log: Pick<LocalStore, 'health' | 'storeId'>): () => AgentBody {
  const startTime = Date.now() * 1000;
  const version = fsfaultVersion();
  const kernel = os.release();
  return () => {
    const p = log.health();
    const filesystems: AgentFilesystem[] = mounts
      .all()
      .map((m) => {
        const identity = { ...mounts.identity(m.fsType, m.device, m.fsid), mountPoint: m.mountPoint };
        const h = p.filesystems.get(healthKey(identity));
        return { identity, mode: mounts.fanotifyWatched(m.device) ? 'fanotify+kmsg' : 'kmsg', state: h?.state ?? 'healthy', errors: h?.errors ?? 0, lost: h?.lost ?? 0 };
      })
      .sort((a, b) => (a.identity.mountPoint! < b.identity.mountPoint! ? -1 : 1));
    return { host, version, kernel, storeId: log.storeId(), startTime, filesystems, lost: p.host.lost, lostByReason: p.host.lostByReason, events: p.host.events };
  };
}
