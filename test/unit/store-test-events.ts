/**
 * Events and schemas for the store and projection tests: a seeded random generator of realistic
 * events (ERROR bursts, deaths, revivals, losses) and a test plugin whose blob schema can grow a
 * field, to exercise old-writer-schema decoding.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { errnoName } from '../../core/model/errno';
import type { EventKind, FsEvent, FsIdentity } from '../../core/model/event';
import type { FsPlugin } from '../../core/plugin-api';
import { EventCodec } from '../../core/schema/codec';
import { composeSchema } from '../../core/schema/compose';

/** A deterministic random stream for a seed (fast-check's generator; see test/helpers/random.ts). */
export { seededRandom as rng } from '../helpers/random';

/** A plugin for the schema only (compose never calls its functions). `extra` adds a blob field. */
export function testPlugin(extra = false): FsPlugin {
  const fields: FsPlugin['blobSchema']['fields'] = [
    { name: 'function', type: 'string', default: '' },
    { name: 'line', type: 'int', default: 0 },
  ];
  if (extra) fields.push({ name: 'agno', type: ['null', 'int'], default: null });
  const none = () => {
    throw new Error('not used');
  };
  return {
    meta: { name: 'testfs', version: '1.0.0', coreApi: '^1.0.0', fsTypes: ['testfs'] },
    blobSchema: { type: 'record', name: 'TestfsBlob', namespace: 'fsfault.plugins.testfs', fields },
    classify: none,
    mergeKey: none,
    merge: none,
    terminal: none,
  };
}

export function testCodec(extra = false): EventCodec {
  return new EventCodec(composeSchema([testPlugin(extra)]));
}

const DEVICES = ['loop0', 'loop1', 'sda1', 'dm-3'];
const ERRNOS = [5, 117, 74, 30, 28];
const FUNCS = ['ext4_lookup', 'ext4_find_entry', 'ext4_journal_check_start', '__ext4_get_inode_loc'];

export function fsOf(device: string | null, type = 'ext4'): FsIdentity {
  return { type, device, majorMinor: device ? `7:${DEVICES.indexOf(device)}` : null, fsid: null, uuid: null, mountPoint: device ? `/mnt/${device}` : null, mountUid: null };
}

let seq = 0;

export function makeEvent(over: Partial<FsEvent> & { kind?: EventKind } = {}): FsEvent {
  const t = over.firstSeen ?? 1_700_000_000_000_000 + seq * 1000;
  seq++;
  const errno = over.errno === undefined ? 117 : over.errno;
  return {
    id: `ev-${process.pid}-${seq}`,
    host: 'testhost',
    kind: 'ERROR',
    fs: fsOf('loop0'),
    errno,
    errnoName: errno === null ? null : errnoName(errno),
    count: 1,
    firstSeen: t,
    lastSeen: t,
    sources: ['kmsg'],
    subtypes: 1,
    inode: 12,
    handleType: null,
    handle: null,
    path: null,
    plugin: 'testfs',
    blob: { function: 'ext4_lookup', line: 1 },
    lost: null,
    death: null,
    ...over,
  };
}

/** A random but plausible event stream, with times increasing. */
export function randomEvents(r: () => number, n: number, startUs = 1_700_000_000_000_000): FsEvent[] {
  const out: FsEvent[] = [];
  let t = startUs;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 5_000_000);
    const device = pick(DEVICES);
    const x = r();
    const kind: EventKind = x < 0.8 ? 'ERROR' : x < 0.87 ? 'DIED' : x < 0.93 ? 'SUPPRESSED' : 'LOST';
    const errno = pick(ERRNOS);
    const count = 1 + Math.floor(r() * 4);
    const base = makeEvent({
      kind,
      fs: kind === 'LOST' ? { type: '*', device: null, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null } : fsOf(device, r() < 0.8 ? 'ext4' : 'xfs'),
      errno: kind === 'LOST' || kind === 'SUPPRESSED' ? null : errno,
      count,
      // Some errors began well before they were stored (merged in the queue for a while).
      firstSeen: r() < 0.3 ? t - Math.floor(r() * 20_000_000) : t,
      lastSeen: t + Math.floor(r() * 1000),
      subtypes: Math.floor(r() * 4096),
      blob: kind === 'LOST' ? null : { function: pick(FUNCS), line: Math.floor(r() * 5000) },
      plugin: kind === 'LOST' ? null : 'testfs',
    });
    if (kind === 'DIED') base.death = { reason: pick(['journal aborted', 'forced shutdown', 'remount-ro']), suppressed: Math.floor(r() * 3) };
    if (kind === 'LOST') {
      const a = pick(DEVICES);
      base.lost = { byFilesystem: [{ device: a, count: count - 1 }, { device: '*', count: 1 }].filter((x) => x.count > 0), errnos: [errno], reasons: [{ reason: 'queue-budget', count }] };
    }
    out.push(base);
  }
  return out;
}

/** A fresh 0700 state directory under the system temp dir; remove it with rmTemp. */
export function tempStateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-store-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

export function rmTemp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A fresh temporary state dir per call; every one made is removed after the calling file's tests. */
export function tempStateDirs(): () => string {
  const dirs: string[] = [];
  after(() => dirs.forEach(rmTemp));
  return () => {
    const d = tempStateDir();
    dirs.push(d);
    return d;
  };
}
