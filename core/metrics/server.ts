/**
 * The metrics endpoint of `fsfault watch --metrics ADDR`: `/metrics` (Prometheus text: fsfault's
 * families, the process/Node defaults and fsfault_build_info, through core/edges/prometheus.ts),
 * `/healthz` (the process serves) and `/readyz` (the pipeline runs and every connector is open and
 * delivering; otherwise 503 with one line per reason: a connector still opening, retrying, or
 * stopped). Plain node:http: a scrape target needs nothing more.
 */
import * as http from 'node:http';
import { FsfaultError } from '../errors';
import { allFamilies, type MetricsSnapshot } from './exposition';
import { packageVersion } from '../package-info';

export interface MetricsServer {
  /** The address actually bound (port 0 picks a free one). */
  address: { host: string; port: number };
  close(): Promise<void>;
}

export function parseListen(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(addr.trim()) ?? /^()()(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new FsfaultError('CLI_BAD_ARGUMENT', `metrics address '${addr}' is not HOST:PORT (e.g. 127.0.0.1:9464)`);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

/** Ready, or why not (one reason a line). */
export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export async function startMetricsServer(listen: string, snapshot: () => MetricsSnapshot, ready: () => Readiness): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  // prom-client (and its default collectors) load only when metrics are asked for: a run without
  // --metrics keeps ~2 MB of heap and its share of the V8 heap headroom.
  const { createPromRegistry } = await import('../edges/prometheus');
  const registry = createPromRegistry({ version: packageVersion(), node: process.version, abi: process.versions.modules });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
    } else if (path === '/metrics') {
      registry.render(allFamilies(snapshot())).then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${e.message}\n`),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const r = ready();
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(r.ready ? 'ready\n' : `not ready\n${r.reasons.map((l) => `${l}\n`).join('')}`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new FsfaultError('LISTEN_FAILED', `cannot listen for metrics on ${listen}: ${e.code ?? e.message}${e.code === 'EADDRINUSE' ? ' (another process listens there; choose another port)' : ''}`, {
          cause: e,
          details: { listen, errno: e.code },
        }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  server.unref();
  const a = server.address() as { address: string; port: number };
  return {
    address: { host: a.address, port: a.port },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
