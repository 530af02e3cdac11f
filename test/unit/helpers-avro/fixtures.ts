/**
 * A composed schema with small ext4- and xfs-like blobs (the field names the report reads), and an
 * event factory, so the Avro tests do not depend on the real plugins being finished.
 */
import type { Connector, ConnectorContext } from '../../../core/pipeline/connector';
import type { FsPlugin, AvroRecordSchema } from '../../../core/plugin-api';
import { composeSchema, type ComposedSchema } from '../../../core/schema/compose';
import { EventCodec } from '../../../core/schema/codec';
import { subtypeMask, type FsEvent, type Subtype } from '../../../core/model/event';
import { MemoryLog } from '../../../core/store/memory-log';

function plugin(name: string, blobSchema: AvroRecordSchema): FsPlugin {
  return {
    meta: { name, version: '0.0.0', coreApi: '^1.0.0', fsTypes: [name] },
    blobSchema,
    classify: () => null,
    mergeKey: () => null,
    merge: (a) => a,
    terminal: () => null,
  };
}

const opt = (name: string, type: string) => ({ name, type: ['null', type], default: null });

export const testPlugins: FsPlugin[] = [
  plugin('ext4', { type: 'record', name: 'Ext4Blob', namespace: 'fsfault.plugins.ext4', fields: [opt('function', 'string'), opt('line', 'int'), opt('inode', 'long')] }),
  plugin('xfs', { type: 'record', name: 'XfsBlob', namespace: 'fsfault.plugins.xfs', fields: [opt('agno', 'long'), opt('metadataType', 'string')] }),
];

export function testSchema(): ComposedSchema {
  return composeSchema(testPlugins);
}

let seq = 0;
export interface EvOpts {
  host?: string;
  device?: string;
  type?: 'ext4' | 'xfs';
  kind?: FsEvent['kind'];
  errno?: number;
  errnoName?: string;
  count?: number;
  t?: number; // µs
  subtypes?: Subtype[];
  inode?: number | null;
  blob?: Record<string, unknown> | null;
  death?: FsEvent['death'];
  lost?: FsEvent['lost'];
}

export function ev(o: EvOpts = {}): FsEvent {
  const type = o.type ?? 'ext4';
  const t = o.t ?? Date.UTC(2025, 0, 15, 10) * 1000;
  const kind = o.kind ?? 'ERROR';
  const blob =
    o.blob !== undefined ? o.blob : kind !== 'ERROR' ? null : type === 'ext4' ? { function: 'ext4_lookup', line: 1785, inode: o.inode ?? 12 } : { agno: 3, metadataType: 'agf' };
  return {
    id: `ev-${++seq}`,
    host: o.host ?? 'host-a',
    kind,
    fs: { type, device: o.device ?? 'loop0', majorMinor: '7:0', fsid: null, uuid: null, mountPoint: '/mnt/a', mountUid: null },
    errno: kind === 'LOST' ? null : (o.errno ?? 117),
    errnoName: kind === 'LOST' ? null : (o.errnoName ?? 'EUCLEAN'),
    count: o.count ?? 1,
    firstSeen: t,
    lastSeen: t,
    sources: ['kmsg'],
    subtypes: subtypeMask(o.subtypes ?? ['metadata']),
    inode: o.inode ?? null,
    handleType: null,
    handle: null,
    path: null,
    plugin: kind === 'LOST' ? null : type,
    blob,
    lost: o.lost ?? null,
    death: o.death ?? null,
  };
}

export interface Setup {
  schema: ComposedSchema;
  codec: EventCodec;
  log: MemoryLog;
  /** The store's clock (µs): storedAt of the next append; tests move it across days. */
  clock: { us: number };
}

export function setup(): Setup {
  const schema = testSchema();
  const codec = new EventCodec(schema);
  const clock = { us: Date.UTC(2025, 0, 15, 10) * 1000 };
  return { schema, codec, clock, log: new MemoryLog(codec, { host: 'host-a', nowUs: () => clock.us }) };
}

export function context(s: Setup, name: string, host = 'host-a', warnings: string[] = []): ConnectorContext {
  return { schema: s.schema, codec: s.codec, log: s.log, committed: s.log.cursor(name), host, warn: (m) => warnings.push(m) };
}

/** A minimal pump: what core/pipeline's ConnectorPump does, without retry/backoff. */
export async function pump(c: Connector, ctx: ConnectorContext, opts: { batch?: number; flush?: boolean } = {}): Promise<number> {
  const resumed = await c.open(ctx);
  let pos = Math.max(ctx.committed, typeof resumed === 'number' ? resumed : 0);
  let read = pos;
  for (;;) {
    const batch = ctx.log.readAfter(read, opts.batch ?? 50);
    if (batch.length === 0) break;
    read = batch[batch.length - 1]!.offset;
    const d = await c.deliver(batch);
    pos = typeof d === 'number' ? d : read;
    ctx.log.commit(c.name, pos);
  }
  if (opts.flush !== false) {
    const f = await c.flush();
    pos = typeof f === 'number' ? f : read;
    ctx.log.commit(c.name, pos);
  }
  return pos;
}
