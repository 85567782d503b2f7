import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { WORKER_SEEN_WITHIN_S, workerSeen } from '../db/system-jobs.ts';
import { crmHealth } from '../integration/health/crm-health.ts';
import { plural } from '../shared/plural.ts';
import { errorBody } from './error-handler.ts';

/**
 * `/health`: the process answers. `/ready`: the database answers with every migration applied,
 * the job queue's tables answer, and an enabled CRM connection answers; otherwise 503 naming the
 * failing check.
 */
/** A readiness check that does not answer in time is a failed check, never a hung probe. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Whether a worker took the minute heartbeat job lately (src/db/system-jobs.ts). Informative, not
 * a failed check: a server started with `--no-workers` serves its API, but what it queues (runs,
 * full synchronization lines) waits until a `kobling worker` runs.
 */
async function workersCheck(ctx: AppContext): Promise<string> {
  if (await within(5000, 'The worker heartbeat', workerSeen(ctx.db))) return 'ok';
  return `none seen in the last ${WORKER_SEEN_WITHIN_S / 60} min: queued jobs wait until \`kobling worker\` (or \`kobling start\` without --no-workers) runs`;
}

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
      const checks: Record<string, string> = {};
      try {
        const pending = await within(5000, 'The database', pendingMigrations(ctx.db));
        if (pending.length > 0) {
          return reply.status(503).send(
            errorBody('not_ready', `${plural(pending.length, 'migration')} not applied yet`, {
              pending: pending.map((m) => `${m.module}/${m.version}_${m.name}`),
            }),
          );
        }
        checks.database = 'ok';
      } catch (err) {
        ctx.logger.warn({ err }, 'readiness check failed');
        return reply
          .status(503)
          .send(errorBody('not_ready', `The database is not reachable: ${(err as Error).message}`));
      }
      try {
        // Only a process that runs the job queue checks it (test servers and tools run without).
        if (ctx.boss)
          await within(5000, 'The job queue', ctx.db.query('SELECT version FROM pgboss.version'));
        checks.jobQueue = ctx.boss ? 'ok' : 'not used';
        if (ctx.boss) checks.workers = await workersCheck(ctx);
      } catch (err) {
        ctx.logger.warn({ err }, 'job queue readiness check failed');
        return reply
          .status(503)
          .send(
            errorBody('not_ready', 'The job queue (schema pgboss) is not available', { checks }),
          );
      }
      const crm = await within(8000, 'The CRM check', crmHealth({ ...ctx })).catch(
        (err: Error) => ({ state: 'failing' as const, reason: err.message }),
      );
      checks.crm = crm.state;
      if (crm.state === 'failing')
        return reply.status(503).send(errorBody('not_ready', crm.reason, { checks }));
      return { status: 'ready', checks };
    },
  );
}
