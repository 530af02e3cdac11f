/**
 * Test-only: a schema composed with small test plugins of our own (the real ext4/xfs plugins are
 * written in parallel and may change), and real-looking events: an ext4 I/O ERROR, a LOST and a
 * DIED event.
 */
import { composeSchema, type ComposedSchema } from '../../../core/schema/compose';
import { EventCodec } from '../../../core/schema/codec';
import { definePlugin, type FsPlugin } from '../../../core/plugin-api';
import type { FsEvent } from '../../../core/model/event';

function testPlugin(name: string, blobName: string, lineType: 'int' | 'string' = 'int'): FsPlugin {
  return definePlugin({
    meta: { name, version: '1.0.0', coreApi: '^1.0.0', fsTypes: [name] },
    blobSchema: {
      type: 'record',
      name: `fsfault.plugins.${name}.${blobName}`,
      fields: [
        { name: 'function', type: ['null', 'string'], default: null },
        { name: 'line', type: ['null', lineType], default: null },
        { name: 'message', type: ['null', 'string'], default: null },
      ],
    },
    classify: () => null,
    mergeKey: () => null,
    merge: (into) => into,
    terminal: () => null,
  });
}

/** ext4-like test plugin (blob: function, line, message). */
export const ext4Test = testPlugin('ext4test', 'Ext4TestBlob');
/** A second plugin: adding its blob branch is a compatible schema change. */
export const xfsTest = testPlugin('xfstest', 'XfsTestBlob');
/** ext4test v2 with `line` changed from int to string: an incompatible change. */
export const ext4TestBroken = testPlugin('ext4test', 'Ext4TestBlob', 'string');

export function schemaWith(...plugins: FsPlugin[]): { schema: ComposedSchema; codec: EventCodec } {
  const schema = composeSchema(plugins);
  return { schema, codec: new EventCodec(schema) };
}

const nowUs = () => Date.now() * 1000;

export function errorEvent(host: string, i: number, device = 'loop0'): FsEvent {
  const t = nowUs();
  return {
    id: `err-${host}-${i}-${Math.random().toString(36).slice(2, 8)}`,
    host,
    kind: 'ERROR',
    fs: { type: 'ext4test', device, majorMinor: '7:0', fsid: null, uuid: `0000-${device}`, mountPoint: `/mnt/${device}`, mountUid: null },
    errno: 5,
    errnoName: 'EIO',
    count: 3,
    firstSeen: t,
    lastSeen: t,
    sources: ['kmsg', 'fanotify'],
    subtypes: 1 << 4, // io
    inode: 12 + i,
    handleType: null,
    handle: null,
    path: null,
    plugin: 'ext4test',
    blob: { function: 'ext4_find_entry', line: 1660 + (i % 7), message: `reading directory lblock ${i}` },
    lost: null,
    death: null,
  };
}

export function lostEvent(host: string, i: number): FsEvent {
  const t = nowUs();
  return {
    id: `lost-${host}-${i}`,
    host,
    kind: 'LOST',
    fs: { type: '*', device: null, majorMinor: null, fsid: null, uuid: null, mountPoint: null, mountUid: null },
    errno: null,
    errnoName: null,
    count: 42,
    firstSeen: t,
    lastSeen: t,
    sources: ['kmsg'],
    subtypes: 0,
    inode: null,
    handleType: null,
    handle: null,
    path: null,
    plugin: null,
    blob: null,
    lost: { byFilesystem: [{ device: 'loop0', count: 42 }], errnos: [5], reasons: [{ reason: 'queue-budget', count: 42 }] },
    death: null,
  };
}

export function diedEvent(host: string, i: number, device = 'loop0'): FsEvent {
  return {
    ...errorEvent(host, i, device),
    id: `died-${host}-${i}`,
    kind: 'DIED',
    errno: 30,
    errnoName: 'EROFS',
    count: 1,
    subtypes: (1 << 6) | (1 << 7), // shutdown, readonly
    death: { reason: 'journal aborted; remounted read-only', suppressed: 0 },
  };
}

/** A realistic mix over several filesystems: mostly ERROR, some LOST and DIED. */
export function mixedEvents(host: string, n: number, start = 0): FsEvent[] {
  const out: FsEvent[] = [];
  for (let i = start; i < start + n; i++) {
    const device = `loop${i % 4}`;
    out.push(i % 50 === 49 ? diedEvent(host, i, device) : i % 25 === 24 ? lostEvent(host, i) : errorEvent(host, i, device));
  }
  return out;
}
