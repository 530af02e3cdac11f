/**
 * Composes the event schema at start-up from the core record plus every registered plugin's blob
 * record. Deterministic: plugins are sorted by blob full name and the JSON is built in a fixed key
 * order, so the same plugins always give the same schema text and fingerprint.
 */
import { FsfaultError } from '../errors';
import { parseAvroSchema, rabinFingerprint, type AvroType } from '../edges/avro';
import type { AvroRecordSchema, FsPlugin } from '../plugin-api';
import { NAMESPACE, eventSchema } from './event-schema';

export interface ComposedSchema {
  /** The full schema JSON (with docs, defaults and logical types). */
  json: Record<string, unknown>;
  /** Pretty JSON text of `json`: what `fsfault schema` prints and the registry receives. */
  text: string;
  type: AvroType;
  /** Parsing Canonical Form. */
  canonical: string;
  /** CRC-64-AVRO of the canonical form, 16 hex digits (little-endian bytes, as single-object encoding writes them). */
  fingerprint: string;
  /** plugin name → blob record full name. */
  blobNames: ReadonlyMap<string, string>;
}

export function blobFullName(schema: AvroRecordSchema): string {
  if (schema.name.includes('.')) return schema.name;
  return schema.namespace ? `${schema.namespace}.${schema.name}` : schema.name;
}

function checkBlobSchema(plugin: FsPlugin): string {
  const s = plugin.blobSchema;
  const name = plugin.meta.name;
  const fail = (why: string) =>
    new FsfaultError('PLUGIN_INVALID', `plugin '${name}': blob schema ${why}`, { details: { plugin: name } });
  if (!s || s.type !== 'record' || !Array.isArray(s.fields)) throw fail('must be an Avro record with fields');
  const full = blobFullName(s);
  const prefix = `${NAMESPACE}.plugins.${name}.`;
  if (!full.startsWith(prefix) || full.slice(prefix.length).includes('.')) {
    throw fail(`full name '${full}' must be '${prefix}<Name>'`);
  }
  for (const f of s.fields) {
    if (!('default' in f)) throw fail(`field '${f.name}' has no default (every blob field needs one so schemas can evolve)`);
  }
  try {
    parseAvroSchema(s);
  } catch (e) {
    throw fail(`does not parse: ${(e as Error).message}`);
  }
  return full;
}

export function composeSchema(plugins: readonly FsPlugin[]): ComposedSchema {
  const branches = plugins
    .map((p) => ({ plugin: p.meta.name, full: checkBlobSchema(p), schema: p.blobSchema }))
    .sort((a, b) => (a.full < b.full ? -1 : a.full > b.full ? 1 : 0));
  const json = eventSchema(branches.map((b) => b.schema));
  let type: AvroType;
  try {
    type = parseAvroSchema(json);
  } catch (e) {
    throw new FsfaultError('SCHEMA_INVALID', `composed event schema is invalid: ${(e as Error).message}`, { cause: e });
  }
  const canonical = type.canonical();
  return {
    json,
    text: JSON.stringify(json, null, 2),
    type,
    canonical,
    fingerprint: rabinFingerprint(canonical).toString('hex'),
    blobNames: new Map(branches.map((b) => [b.plugin, b.full])),
  };
}
