import { Counter, Histogram } from 'prom-client';
import { registry } from './registry.ts';

const httpRequests = new Counter({
  name: 'kobling_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

const httpDuration = new Histogram({
  name: 'kobling_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method and route pattern',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

/**
 * Counts one answered request. `route` is the route's pattern (`/api/v1/jobs/:id`), never the raw
 * URL: ids in the path would make a series per record. A request no route matched counts as
 * `unmatched`.
 */
export function recordHttpRequest(
  method: string,
  route: string | undefined,
  status: number,
  ms: number,
): void {
  const labels = { method, route: route ?? 'unmatched' };
  httpRequests.inc({ ...labels, status: String(status) });
  httpDuration.observe(labels, ms / 1000);
}
