import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { registerDbCollectors } from '../integration/metrics/db-collectors.ts';
import { registry } from '../integration/metrics/registry.ts';

/**
 * `/metrics` in Prometheus text format, open like `/health` so a scraper needs no credentials: it
 * carries counts and mapping names, never record data or secrets.
 */
export function registerMetricsRoute(app: FastifyInstance, ctx: AppContext): void {
  registerDbCollectors(ctx.db);
  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: { tags: ['system'], summary: 'Prometheus metrics', hide: true },
    },
    async (_req, reply) => {
      const body = await registry.metrics();
      return reply.header('content-type', registry.contentType).send(body);
    },
  );
}
