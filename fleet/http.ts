/**
 * `fleet serve`'s HTTP side (node:http, no framework: six GET routes):
 *   /                 the fleet page (page.ts)
 *   /api/filesystems  ?state=&host=&type=   rows of merge.ts + counts per state
 *   /api/agents       ?status=&host=        agents with running | silent | stopped
 *   /metrics          Prometheus text (metrics.ts)
 *   /healthz          200 while the process serves
 *   /readyz           200 once the fleet topics are read and the owned partitions restored, else 503
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FsfaultError } from '../core/errors';
import { countByState, filterFilesystems, type FleetAgent, type FleetFilesystem } from './merge';
import { fleetMetrics } from './metrics';
import { fleetPage } from './page';
import type { MemberStats } from './group-member';

export interface FleetSource {
  filesystems(): FleetFilesystem[];
  agents(): FleetAgent[];
  member(): Promise<MemberStats>;
  ready(): boolean;
  perHostMetrics: boolean;
  refreshMs: number;
}

export interface FleetHttp {
  url: string;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m || Number(m[2]) > 65535) throw new FsfaultError('CONFIG_INVALID', `fleet.listen must be HOST:PORT (got '${listen}')`);
  return { host: m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
}

export async function startFleetHttp(listen: string, src: FleetSource): Promise<FleetHttp> {
  const { host, port } = parseListen(listen);
  const json = (res: http.ServerResponse, body: unknown, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const q = (k: string) => url.searchParams.get(k) ?? undefined;
      if (req.method !== 'GET') {
        res.writeHead(405).end();
        return;
      }
      switch (url.pathname) {
        case '/':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(fleetPage(src.refreshMs));
          return;
        case '/api/filesystems': {
          const all = src.filesystems();
          const rows = filterFilesystems(all, { state: q('state'), host: q('host'), type: q('type') });
          json(res, { counts: countByState(rows).byState, filesystems: rows });
          return;
        }
        case '/api/agents': {
          const rows = src.agents().filter((a) => (!q('status') || a.status === q('status')) && (!q('host') || a.host === q('host')));
          json(res, { agents: rows });
          return;
        }
        case '/metrics':
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(fleetMetrics(src.filesystems(), src.agents(), await src.member(), { perHost: src.perHostMetrics }));
          return;
        case '/healthz':
          res.writeHead(200).end('ok\n');
          return;
        case '/readyz':
          if (src.ready()) res.writeHead(200).end('ready\n');
          else res.writeHead(503).end('restoring\n');
          return;
        default:
          res.writeHead(404).end('not found\n');
      }
    })().catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(`error: ${e.message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new FsfaultError('CONFIG_INVALID', `fleet.listen ${listen}: ${(e as Error).message}`, { cause: e })));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    // Idle keep-alive connections go at once; a request still running gets 2 s, then is cut.
    close: () =>
      new Promise<void>((r) => {
        const t = setTimeout(() => server.closeAllConnections(), 2000);
        server.close(() => (clearTimeout(t), r()));
        server.closeIdleConnections();
      }),
  };
}
