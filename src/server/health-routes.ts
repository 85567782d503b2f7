import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { errorBody } from './error-handler.ts';

/** `/health`: the process answers. `/ready`: the database answers and every migration is applied. */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/health',
    { config: { public: true }, schema: { tags: ['system'], summary: 'Liveness' } },
    async () => ({
      status: 'ok',
    }),
  );

  app.get(
    '/ready',
    { config: { public: true }, schema: { tags: ['system'], summary: 'Readiness' } },
    async (_req, reply) => {
      try {
        const pending = await pendingMigrations(ctx.db);
        if (pending.length > 0) {
          return reply.status(503).send(
            errorBody('not_ready', `${pending.length} migration(s) not applied yet`, {
              pending: pending.map((m) => `${m.module}/${m.version}_${m.name}`),
            }),
          );
        }
        return { status: 'ready' };
      } catch (err) {
        ctx.logger.warn({ err }, 'readiness check failed');
        return reply.status(503).send(errorBody('not_ready', 'The database is not reachable'));
      }
    },
  );
}
