/**
 * The core Avro record of an fsfault event. The blob field's union is filled in by compose.ts
 * from the registered plugins. Evolution rules (README "Schema evolution"):
 *  - fields are only ever added, each with a default; none is removed or renamed;
 *  - a plugin adds one union branch; branches are sorted by full name, and the unknown-plugin
 *    branch is always last, so a reader with more plugins reads a writer with fewer;
 *  - enum symbols are only appended, and enums carry a default for readers that lack a symbol.
 */
export const NAMESPACE = 'fsfault';

const nullable = (type: unknown) => ({ type: ['null', type], default: null });

export const FILESYSTEM_SCHEMA = {
  type: 'record',
  name: 'Filesystem',
  namespace: NAMESPACE,
  fields: [
    { name: 'type', type: 'string' },
    { name: 'device', ...nullable('string') },
    { name: 'majorMinor', ...nullable('string') },
    { name: 'fsid', ...nullable('string') },
    { name: 'uuid', ...nullable('string') },
    { name: 'mountPoint', ...nullable('string') },
    { name: 'mountUid', ...nullable('long') },
  ],
};

export const LOST_SCHEMA = {
  type: 'record',
  name: 'LostDetail',
  namespace: NAMESPACE,
  fields: [
    {
      name: 'byFilesystem',
      type: { type: 'array', items: { type: 'record', name: 'LostByFilesystem', fields: [{ name: 'device', type: 'string' }, { name: 'count', type: 'long' }] } },
      default: [],
    },
    { name: 'errnos', type: { type: 'array', items: 'int' }, default: [] },
    {
      name: 'reasons',
      type: { type: 'array', items: { type: 'record', name: 'LostReason', fields: [{ name: 'reason', type: 'string' }, { name: 'count', type: 'long' }] } },
      default: [],
    },
  ],
};

export const DEATH_SCHEMA = {
  type: 'record',
  name: 'DeathDetail',
  namespace: NAMESPACE,
  fields: [
    { name: 'reason', type: 'string' },
    { name: 'suppressed', type: 'long', default: 0 },
  ],
};

/** The branch used for an event whose plugin is not part of the composed schema. */
export const UNKNOWN_BLOB_SCHEMA = {
  type: 'record',
  name: 'UnknownBlob',
  namespace: `${NAMESPACE}.plugins`,
  doc: 'Blob of a plugin that is not part of this schema, as JSON text.',
  fields: [
    { name: 'plugin', type: 'string' },
    { name: 'json', type: 'string' },
  ],
};
export const UNKNOWN_BLOB_NAME = `${NAMESPACE}.plugins.UnknownBlob`;

export function eventSchema(blobBranches: unknown[]): Record<string, unknown> {
  return {
    type: 'record',
    name: 'Event',
    namespace: NAMESPACE,
    doc: 'One filesystem error report from fsfault (see the README for field meanings).',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'host', type: 'string' },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['ERROR', 'LOST', 'DIED', 'SUPPRESSED'], default: 'ERROR' } },
      { name: 'fs', type: FILESYSTEM_SCHEMA },
      { name: 'errno', ...nullable('int') },
      { name: 'errnoName', ...nullable('string') },
      { name: 'count', type: 'long' },
      { name: 'firstSeen', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'lastSeen', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'sources', type: { type: 'array', items: 'string' }, default: [] },
      { name: 'subtypes', type: { type: 'array', items: 'string' }, default: [] },
      { name: 'inode', ...nullable('long') },
      { name: 'handleType', ...nullable('int') },
      { name: 'handle', ...nullable('string') },
      { name: 'path', ...nullable('string') },
      { name: 'plugin', ...nullable('string') },
      { name: 'blob', type: ['null', ...blobBranches, UNKNOWN_BLOB_SCHEMA], default: null },
      { name: 'lost', ...nullable(LOST_SCHEMA) },
      { name: 'death', ...nullable(DEATH_SCHEMA) },
      // Added later: appended, with a default, so readers and writers of either version agree.
      { name: 'pathError', ...nullable('string') },
    ],
  };
}
