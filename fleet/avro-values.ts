/**
 * Decodes the Avro values the fleet reads (events, agent records) whatever their framing:
 * Confluent (magic 0 + schema id: the writer schema comes from the registry, cached by id) or
 * single-object encoding (`C3 01` + fingerprint: the writer schema must be one this process knows,
 * since there is no registry to ask). Values are decoded with the WRITER schema, so a record
 * written by an agent with other plugins (other blob branches) still yields its core fields.
 *
 * Registry lookups are single-flight and their failures are remembered briefly: the fleet decodes
 * many messages of one schema id at once (the partitions of a fetch, a batch of agent records).
 * Without this, a registry that does not answer cost every message its own request and its own
 * client timeout (5 s) one after the other, so catching up stalled for messages × 5 s. Now
 * concurrent lookups of an id share one request, and for `retryAfterMs` after a failure the
 * lookups of that id fail at once with the same error: a registry outage costs one timeout per
 * schema id per `retryAfterMs`, however many messages wait.
 */
import { parseAvroSchema, type AvroType } from '../core/edges/avro';
import { FsfaultError } from '../core/errors';
import { CONFLUENT_MAGIC, parseConfluent } from '../connectors/kafka/confluent-wire';
import { parseSingleObject } from '../connectors/kafka/single-object';
import type { RegistryClient } from '../connectors/kafka/registry-client';

/** How long a failed lookup answers for its schema id before the registry is asked again. */
export const REGISTRY_RETRY_AFTER_MS = 2000;

export class AvroValues {
  private readonly byId = new Map<number, AvroType>();
  private readonly byFingerprint = new Map<string, AvroType>();
  /** The one registry request in flight per schema id. */
  private readonly inflight = new Map<number, Promise<AvroType>>();
  /** Per schema id: the last lookup's failure and until when it stands in for a new request. */
  private readonly failedIds = new Map<number, { error: Error; until: number }>();
  /** Registry requests made (a request shared by concurrent lookups counts once). */
  registryRequests = 0;

  constructor(
    private readonly registry: RegistryClient | null,
    known: readonly { fingerprint: string; type: AvroType }[],
    private readonly retryAfterMs = REGISTRY_RETRY_AFTER_MS,
  ) {
    for (const k of known) this.byFingerprint.set(k.fingerprint, k.type);
  }

  /** The writer type and body of a value; the registry is asked once per schema id. */
  async writer(value: Buffer): Promise<{ type: AvroType; body: Buffer }> {
    const known = this.cachedWriter(value);
    if (known) return known;
    const f = parseConfluent(value); // cachedWriter answers every other framing itself
    return { type: await this.lookup(f.schemaId), body: f.body };
  }

  private lookup(id: number): Promise<AvroType> {
    const registry = this.registry;
    if (!registry) return Promise.reject(new FsfaultError('CONFIG_INVALID', `a message carries registry schema id ${id} but no kafka.registry is configured`));
    const failed = this.failedIds.get(id);
    if (failed && Date.now() < failed.until) return Promise.reject(failed.error);
    let p = this.inflight.get(id);
    if (!p) {
      this.registryRequests++;
      p = (async () => {
        try {
          const type = parseAvroSchema(JSON.parse(await registry.schemaById(id)));
          this.byId.set(id, type);
          this.failedIds.delete(id);
          return type;
        } catch (e) {
          this.failedIds.set(id, { error: e as Error, until: Date.now() + this.retryAfterMs });
          throw e;
        } finally {
          this.inflight.delete(id);
        }
      })();
      this.inflight.set(id, p);
    }
    return p;
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
