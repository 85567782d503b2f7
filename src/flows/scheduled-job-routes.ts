import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { getRecurringJob, queueRecurringJob } from '../integration/recurring-jobs.ts';
import {
  listScheduledJobs,
  noSuchScheduledJob,
  updateJobSchedule,
} from '../integration/scheduled-jobs.ts';
import { queueMappingRun } from '../integration/sync-jobs.ts';
import { AppError } from '../shared/errors.ts';
import './errors.ts';
import { mappingNameOf } from '../sync/mappings/mapping-name.ts';
import { getMapping } from '../sync/mappings/mapping-repo.ts';
import { runOutboundJob } from './outbound-jobs.ts';

const PREFIX = '/api/integration/v1';
const tags = ['integration: scheduled jobs'];
// A job's name is a mapping's or a flow job's (CUSTOMER STATISTICS): given in any case.
const byName = z.strictObject({ name: z.string().overwrite(mappingNameOf).min(1).max(60) });

/**
 * The recurring jobs (mapping synchronization jobs and the others, such as CUSTOMER STATISTICS):
 * list with last and next run, change interval, on/off and inactivity timeout, run now.
 */
export function registerScheduledJobRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/scheduledJobs`,
    {
      schema: {
        tags,
        summary:
          'Recurring jobs: interval, on/off, inactivity timeout, last run (status, message, error) and next run',
      },
    },
    async () => ({ value: await listScheduledJobs(ctx.db, ctx.clock.now()) }),
  );

  r.patch(
    `${PREFIX}/scheduledJobs/:name`,
    {
      config: { roles: ['admin'] as const },
      schema: {
        tags,
        summary: "Change a job's interval, on/off switch or inactivity timeout",
        params: byName,
        body: z
          .strictObject({
            enabled: z.boolean().optional(),
            intervalMinutes: z.number().int().min(1).max(10080).optional(),
            inactivityTimeoutMinutes: z.number().int().min(0).max(100000).optional(),
          })
          .refine((b) => Object.keys(b).length > 0, 'Give at least one setting to change'),
      },
    },
    async (req) => {
      const job = await updateJobSchedule(ctx.db, req.params.name, req.body, ctx.clock.now());
      if (!job)
        throw AppError.from(await noSuchScheduledJob(ctx.db, req.params.name, ctx.clock.now()));
      return job;
    },
  );

  r.post(
    `${PREFIX}/scheduledJobs/:name/run`,
    {
      schema: {
        tags,
        summary:
          'Run a job now: queued for the workers, or with {"wait": true} run in this process and answered with its outcome',
        params: byName,
        body: z.strictObject({ wait: z.boolean().default(false) }).optional(),
      },
    },
    async (req, reply) => {
      const name = req.params.name;
      const job = await getRecurringJob(ctx.db, name);
      if (job && req.body?.wait) {
        const outcome = await runOutboundJob(ctx, name, 'manual');
        if (!outcome.ok) throw AppError.from(outcome.error);
        return outcome.value;
      }
      if (!job && !(await getMapping(ctx.db, name)))
        throw AppError.from(await noSuchScheduledJob(ctx.db, name, ctx.clock.now()));
      if (!ctx.boss) throw new AppError('not_ready', 'This process runs no job queue');
      const jobId = job
        ? await queueRecurringJob(ctx.boss, job, 'manual')
        : await queueMappingRun(ctx.boss, name, 'manual');
      return reply.status(202).send({
        queued: jobId !== null,
        jobId,
        message: jobId ? `${name} is queued` : `${name} is already waiting to run`,
      });
    },
  );
}
