/**
 * TEST SERVER ONLY — not a product component. A small in-memory implementation of the Confluent
 * Schema Registry REST subset fsfault's connector and Confluent's own deserializers use, because
 * no Confluent-compatible registry can be installed on these machines:
 *
 *   POST /subjects/{s}/versions                     register (same text under a subject → same version; ids global, deduped by text)
 *   GET  /subjects, /subjects/{s}/versions, /subjects/{s}/versions/{n|latest}
 *   GET  /schemas/ids/{id}
 *   POST /compatibility/subjects/{s}/versions/{n|latest}[?verbose=true]
 *   GET/PUT /config, /config/{s}                    compatibility level (default BACKWARD)
 *
 * Compatibility uses avsc's schema resolution: BACKWARD = the new schema can read data written with
 * the old one (reader = new, writer = old); FORWARD the other way; FULL both; *_TRANSITIVE against
 * every version instead of the latest. Optional basic or bearer auth (401 otherwise).
 */
import * as http from 'node:http';
import { parseAvroSchema } from '../../core/edges/avro';

type Level = 'NONE' | 'BACKWARD' | 'FORWARD' | 'FULL' | 'BACKWARD_TRANSITIVE' | 'FORWARD_TRANSITIVE' | 'FULL_TRANSITIVE';
const LEVELS = new Set<Level>(['NONE', 'BACKWARD', 'FORWARD', 'FULL', 'BACKWARD_TRANSITIVE', 'FORWARD_TRANSITIVE', 'FULL_TRANSITIVE']);

export interface RegistryServerOptions {
  basicAuth?: { username: string; password: string };
  bearerToken?: string;
}

export interface RegistryServer {
  url: string;
  /** Requests seen, `METHOD path` (for asserting the connector's calls). */
  requests: string[];
  close(): Promise<void>;
}

interface Version {
  version: number;
  id: number;
}

/** Why `reader` cannot read data written with `writer`, or null when it can. */
function resolveProblem(readerText: string, writerText: string): string | null {
  try {
    parseAvroSchema(JSON.parse(readerText)).createResolver(parseAvroSchema(JSON.parse(writerText)));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export async function startRegistry(opts: RegistryServerOptions = {}): Promise<RegistryServer> {
  const byId = new Map<number, string>();
  const idByText = new Map<string, number>();
  const subjects = new Map<string, Version[]>();
  const config = new Map<string, Level>();
  let globalLevel: Level = 'BACKWARD';
  const requests: string[] = [];

  const problems = (subject: string, text: string, against: Version[]): string[] => {
    const level = config.get(subject) ?? globalLevel;
    if (level === 'NONE' || against.length === 0) return [];
    const targets = level.endsWith('_TRANSITIVE') ? against : [against[against.length - 1]!];
    const out: string[] = [];
    for (const v of targets) {
      const old = byId.get(v.id)!;
      if (level.startsWith('BACKWARD') || level.startsWith('FULL')) {
        const p = resolveProblem(text, old);
        if (p) out.push(`{oldSchemaVersion: ${v.version}, reader: new, writer: old, level: ${level}} ${p}`);
      }
      if (level.startsWith('FORWARD') || level.startsWith('FULL')) {
        const p = resolveProblem(old, text);
        if (p) out.push(`{oldSchemaVersion: ${v.version}, reader: old, writer: new, level: ${level}} ${p}`);
      }
    }
    return out;
  };

  const authorized = (req: http.IncomingMessage): boolean => {
    const h = req.headers.authorization ?? '';
    if (opts.bearerToken) return h === `Bearer ${opts.bearerToken}`;
    if (opts.basicAuth) return h === `Basic ${Buffer.from(`${opts.basicAuth.username}:${opts.basicAuth.password}`).toString('base64')}`;
    return true;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      requests.push(`${req.method} ${url.pathname}`);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(body));
      };
      const err = (status: number, code: number, message: string) => send(status, { error_code: code, message });
      if (!authorized(req)) return err(401, 40101, 'Unauthorized');
      let body: Record<string, unknown> = {};
      try {
        if (chunks.length) body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return err(400, 400, 'body is not JSON');
      }
      const schemaText = typeof body.schema === 'string' ? body.schema : null;
      const parseOk = (t: string) => {
        try {
          parseAvroSchema(JSON.parse(t));
          return true;
        } catch {
          return false;
        }
      };
      const pickVersion = (list: Version[], v: string) => (v === 'latest' ? list[list.length - 1] : list.find((x) => x.version === Number(v)));

      // --- routes ---
      if (req.method === 'GET' && p[0] === 'schemas' && p[1] === 'ids' && p[2]) {
        const s = byId.get(Number(p[2]));
        return s ? send(200, { schema: s }) : err(404, 40403, `Schema ${p[2]} not found`);
      }
      if (p[0] === 'subjects' && !p[1] && req.method === 'GET') return send(200, [...subjects.keys()]);
      if (p[0] === 'subjects' && p[1] && p[2] === 'versions') {
        const subject = p[1];
        const list = subjects.get(subject) ?? [];
        if (req.method === 'POST' && !p[3]) {
          if (!schemaText || !parseOk(schemaText)) return err(422, 42201, 'Invalid schema');
          const existing = idByText.get(schemaText);
          if (existing !== undefined) {
            const v = list.find((x) => x.id === existing);
            if (v) return send(200, { id: v.id });
          }
          const why = problems(subject, schemaText, list);
          if (why.length) return err(409, 409, `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: ${why.join('; ')}`);
          const id = existing ?? byId.size + 1;
          byId.set(id, schemaText);
          idByText.set(schemaText, id);
          list.push({ version: list.length + 1, id });
          subjects.set(subject, list);
          return send(200, { id });
        }
        if (req.method === 'GET') {
          if (!subjects.has(subject)) return err(404, 40401, `Subject '${subject}' not found.`);
          if (!p[3]) return send(200, list.map((v) => v.version));
          const v = pickVersion(list, p[3]);
          if (!v) return err(404, 40402, `Version ${p[3]} not found.`);
          return send(200, { subject, version: v.version, id: v.id, schema: byId.get(v.id) });
        }
      }
      if (req.method === 'POST' && p[0] === 'compatibility' && p[1] === 'subjects' && p[2] && p[3] === 'versions' && p[4]) {
        const list = subjects.get(p[2]);
        if (!list) return err(404, 40401, `Subject '${p[2]}' not found.`);
        const v = pickVersion(list, p[4]);
        if (!v) return err(404, 40402, `Version ${p[4]} not found.`);
        if (!schemaText || !parseOk(schemaText)) return err(422, 42201, 'Invalid schema');
        const level = config.get(p[2]) ?? globalLevel;
        const against = level.endsWith('_TRANSITIVE') ? list : [v];
        const why = problems(p[2], schemaText, against);
        return send(200, url.searchParams.get('verbose') === 'true' ? { is_compatible: why.length === 0, messages: why } : { is_compatible: why.length === 0 });
      }
      if (p[0] === 'config') {
        if (req.method === 'GET') {
          if (p[1] && !config.has(p[1])) return err(404, 40408, `Subject '${p[1]}' does not have subject-level compatibility configured`);
          return send(200, { compatibilityLevel: p[1] ? config.get(p[1]) : globalLevel });
        }
        if (req.method === 'PUT') {
          const level = body.compatibility as Level;
          if (!LEVELS.has(level)) return err(422, 42203, `Invalid compatibility level ${String(body.compatibility)}`);
          if (p[1]) config.set(p[1], level);
          else globalLevel = level;
          return send(200, { compatibility: level });
        }
      }
      return err(404, 404, `no route ${req.method} ${url.pathname}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
