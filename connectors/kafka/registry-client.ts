/**
 * Client for the subset of the Confluent Schema Registry REST API a producer needs:
 *
 *   POST /compatibility/subjects/{subject}/versions/latest?verbose=true  {"schema"} → {"is_compatible", "messages"?}
 *   POST /subjects/{subject}/versions                                      {"schema"} → {"id"}
 *   GET  /schemas/ids/{id}                                                 → {"schema"}
 *   GET  /subjects/{subject}/versions/latest                               → {"schema"} (404: no subject)
 *   PUT  /config/{subject}                                                 {"compatibility"}
 *   errors: HTTP status + {"error_code", "message"}; 40401 subject / 40402 version not found
 *
 * Several URLs fail over: a network error, timeout or 5xx moves on to the next URL (starting from
 * the last one that answered); a 4xx is the registry's real answer and is returned as is. Only when
 * every URL failed is the error REGISTRY_UNREACHABLE (retriable). Ids are cached per subject+schema.
 *
 * Why our own client rather than `@kafkajs/confluent-schema-registry`: that library takes a single
 * host (no failover over several registry URLs, which the connector's `registry.urls` promises),
 * brings its own avsc and its own encoder (we encode once, with the store's bytes, and must put
 * exactly those bytes on the wire), has no call to set a subject's compatibility (Apicurio's
 * default is NONE; we set BACKWARD when we create the subject) and no verbose compatibility check.
 * What we need is six REST calls over Node's `fetch`, tested against Apicurio Registry 3.3.3
 * (test/kafka) and, for faults a real registry cannot give (5xx, slow answers, failover), against
 * the double in test/registry.
 */
import { FsfaultError } from '../../core/errors';

export interface RegistryAuth {
  basicAuth?: { username: string; password: string } | undefined;
  bearerToken?: string | undefined;
}

export interface RegistryClientOptions extends RegistryAuth {
  urls: string[];
  timeoutMs?: number;
}

export type CompatibilityResult = { kind: 'compatible' } | { kind: 'no-subject' } | { kind: 'incompatible'; messages: string[] };

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class RegistryClient {
  private readonly urls: string[];
  private preferred = 0;
  private readonly ids = new Map<string, number>();
  private readonly schemas = new Map<number, string>();
  private readonly authHeader: string | undefined;
  private readonly timeoutMs: number;

  constructor(opts: RegistryClientOptions) {
    if (opts.urls.length === 0) throw new FsfaultError('CONFIG_INVALID', 'kafka.registry.urls is empty');
    this.urls = opts.urls.map((u) => u.replace(/\/+$/, ''));
    this.timeoutMs = opts.timeoutMs ?? 5000;
    if (opts.bearerToken) this.authHeader = `Bearer ${opts.bearerToken}`;
    else if (opts.basicAuth) this.authHeader = `Basic ${Buffer.from(`${opts.basicAuth.username}:${opts.basicAuth.password}`).toString('base64')}`;
  }

  /** Is `schema` compatible with the subject's latest version (under the subject's compatibility level)? */
  async checkCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    const a = await this.request('POST', `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`, { schema });
    if (a.status === 404) return { kind: 'no-subject' };
    if (a.status === 200) {
      if (a.body.is_compatible === true) return { kind: 'compatible' };
      const messages = Array.isArray(a.body.messages) ? a.body.messages.map(String) : [];
      return { kind: 'incompatible', messages };
    }
    throw this.answerError(a, `compatibility check for subject '${subject}'`);
  }

  /** The subject's latest schema text, or null when the subject does not exist. */
  async latestSchema(subject: string): Promise<string | null> {
    const a = await this.request('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
    if (a.status === 404) return null;
    if (a.status !== 200 || typeof a.body.schema !== 'string') throw this.answerError(a, `reading the latest version of subject '${subject}'`);
    return a.body.schema;
  }

  /** Set the subject's compatibility level (PUT /config/{subject}). */
  async setCompatibility(subject: string, level: string): Promise<void> {
    let a = await this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
    // Apicurio answers 409 "A rule named 'COMPATIBILITY' already exists" when another producer
    // created the subject's rule between its check and its insert (hosts starting together on a
    // new subject). The rule exists now, so a second PUT updates it like any other.
    if (a.status === 409) a = await this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
    if (a.status !== 200) throw this.answerError(a, `setting compatibility ${level} on subject '${subject}'`);
  }

  /** Register (or find: the registry dedupes) `schema` under `subject`; returns the global id. */
  async register(subject: string, schema: string): Promise<number> {
    const key = `${subject}\u0000${schema}`;
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    const a = await this.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema });
    if (a.status === 409) {
      throw new FsfaultError('REGISTRY_INCOMPATIBLE', `registry refused the schema for subject '${subject}': ${String(a.body.message ?? 'incompatible')}`, {
        details: { subject, answer: a.body },
      });
    }
    if (a.status !== 200 || typeof a.body.id !== 'number') throw this.answerError(a, `registering a schema under subject '${subject}'`);
    this.ids.set(key, a.body.id);
    this.schemas.set(a.body.id, schema);
    return a.body.id;
  }

  async schemaById(id: number): Promise<string> {
    const cached = this.schemas.get(id);
    if (cached !== undefined) return cached;
    const a = await this.request('GET', `/schemas/ids/${id}`);
    if (a.status !== 200 || typeof a.body.schema !== 'string') throw this.answerError(a, `fetching schema id ${id}`);
    this.schemas.set(id, a.body.schema);
    return a.body.schema;
  }

  private answerError(a: Answer, what: string): FsfaultError {
    const msg = typeof a.body.message === 'string' ? a.body.message : JSON.stringify(a.body).slice(0, 200);
    // 401/403: credentials are wrong; retrying will not help.
    const retriable = a.status >= 500 || a.status === 429;
    return new FsfaultError(retriable ? 'REGISTRY_UNREACHABLE' : 'CONNECTOR_FATAL', `schema registry: ${what} failed with HTTP ${a.status}: ${msg}`, {
      details: { status: a.status, body: a.body },
      retriable,
    });
  }

  private async request(method: 'GET' | 'POST' | 'PUT', path: string, json?: unknown): Promise<Answer> {
    const failures: string[] = [];
    for (let i = 0; i < this.urls.length; i++) {
      const idx = (this.preferred + i) % this.urls.length;
      const url = this.urls[idx]!;
      try {
        const headers: Record<string, string> = { Accept: CONTENT_TYPE };
        if (json !== undefined) headers['Content-Type'] = CONTENT_TYPE;
        if (this.authHeader) headers.Authorization = this.authHeader;
        const res = await fetch(url + path, {
          method,
          headers,
          body: json === undefined ? null : JSON.stringify(json),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await res.text();
        if (res.status >= 500) {
          failures.push(`${url}: HTTP ${res.status} ${text.slice(0, 120)}`);
          continue;
        }
        this.preferred = idx;
        let body: Record<string, unknown> = {};
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          body = { message: text.slice(0, 200) };
        }
        return { status: res.status, body };
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        failures.push(`${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
      }
    }
    throw new FsfaultError('REGISTRY_UNREACHABLE', `no schema registry URL answered ${method} ${path.split('?')[0]}: ${failures.join('; ')}`, {
      details: { failures },
      retriable: true,
    });
  }
}
