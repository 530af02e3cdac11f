/**
 * Decodes the Avro values the fleet reads (events, agent records) whatever their framing:
 * Confluent (magic 0 + schema id: the writer schema comes from the registry, cached by id) or
 * single-object encoding (`C3 01` + fingerprint: the writer schema must be one this process knows,
 * since there is no registry to ask). Values are decoded with the WRITER schema, so a record
 * written by an agent with other plugins (other blob branches) still yields its core fields.
 */
import { parseAvroSchema, type AvroType } from '../core/edges/avro';
import { FsfaultError } from '../core/errors';
import { CONFLUENT_MAGIC, parseConfluent } from '../connectors/kafka/confluent-wire';
import { parseSingleObject } from '../connectors/kafka/single-object';
import type { RegistryClient } from '../connectors/kafka/registry-client';

export class AvroValues {
  private readonly byId = new Map<number, AvroType>();
  private readonly byFingerprint = new Map<string, AvroType>();

  constructor(private readonly registry: RegistryClient | null, known: readonly { fingerprint: string; type: AvroType }[]) {
    for (const k of known) this.byFingerprint.set(k.fingerprint, k.type);
  }

  /** The writer type and body of a value; the registry is asked once per schema id. */
  async writer(value: Buffer): Promise<{ type: AvroType; body: Buffer }> {
    const known = this.cachedWriter(value);
    if (known) return known;
    const f = parseConfluent(value); // cachedWriter answers every other framing itself
    if (!this.registry) throw new FsfaultError('CONFIG_INVALID', `a message carries registry schema id ${f.schemaId} but no kafka.registry is configured`);
    const type = parseAvroSchema(JSON.parse(await this.registry.schemaById(f.schemaId)));
    this.byId.set(f.schemaId, type);
    return { type, body: f.body };
  }

  /**
   * The writer type and body without any I/O, or null when the registry must be asked first.
   * The fleet folds 10^4–10^5 events a second, nearly all under one schema id: deciding those
   * synchronously keeps a promise (and a trip through the microtask queue) out of every message.
   */
  cachedWriter(value: Buffer): { type: AvroType; body: Buffer } | null {
    if (value.length > 0 && value[0] === CONFLUENT_MAGIC) {
      const f = parseConfluent(value);
      const type = this.byId.get(f.schemaId);
      return type ? { type, body: f.body } : null;
    }
    const f = parseSingleObject(value);
    const type = this.byFingerprint.get(f.fingerprint);
    if (!type) throw new FsfaultError('CONNECTOR_FATAL', `single-object message with unknown schema fingerprint ${f.fingerprint} (use a registry to mix schemas)`);
    return { type, body: f.body };
  }

  async decode(value: Buffer): Promise<Record<string, unknown>> {
    const w = this.cachedWriter(value) ?? (await this.writer(value));
    return w.type.fromBuffer(w.body) as Record<string, unknown>;
  }
}
