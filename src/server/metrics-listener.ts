import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../app/context.ts';
import { registerDbCollectors } from '../integration/metrics/db-collectors.ts';
import { registry } from '../integration/metrics/registry.ts';
import { unavailableError } from '../shared/unavailable-error.ts';

/** A process's own metrics endpoint: where it listens, and how to stop it. */
export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (the same Prometheus registry as the server's `/metrics`) for a process
 * without the HTTP server, `kobling worker`: its process metrics, its jobs, the CRM requests it
 * made and the real-time lag it saw exist only in that process. Anything else is a 404. No login,
 * as the server's `/metrics`: counts and names only.
 */
export async function startMetricsListener(
  ctx: AppContext,
  options: { host: string; port: number },
): Promise<MetricsListener> {
  registerDbCollectors(ctx.db);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'Only GET /metrics here' } }));
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
      },
      (err: unknown) => {
        // A collector reads the database: unreachable, the scrape fails and the worker goes on.
        ctx.logger.warn({ err }, 'metrics scrape failed');
        const unavailable = unavailableError(err);
        res.writeHead(unavailable?.status ?? 500, {
          'content-type': 'application/json',
          ...unavailable?.headers,
        });
        res.end(
          JSON.stringify({
            error: unavailable
              ? { code: unavailable.code, message: unavailable.message }
              : { code: 'internal_error', message: 'Collecting the metrics failed; see the log' },
          }),
        );
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
