import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { LOCK_WAIT } from '../integration/mapping-lock.ts';
import { getRecurringJob, queueRecurringJob } from '../integration/recurring-jobs.ts';
import {
  listScheduledJobs,
  noSuchScheduledJob,
  updateJobSchedule,
} from '../integration/scheduled-jobs.ts';
import {
  type MappingJobOutcome,
  queueMappingRun,
  runMappingJob,
} from '../integration/sync-jobs.ts';
import { AppError } from '../shared/errors.ts';
import './errors.ts';
import { mappingNameOf } from '../sync/mappings/mapping-name.ts';
import { getMapping } from '../sync/mappings/mapping-repo.ts';
import { depsOf } from './outbound-context.ts';
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
          'Run a job now: queued for the workers, or with {"wait": true} run in this process and answered with its outcome (a mapping: its jobs and their counters)',
        params: byName,
        // No body, or an empty one, is `{"wait": false}` (Fastify hands no body on as null).
        body: z.strictObject({ wait: z.boolean().default(false) }).nullish(),
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
      const mapping = job ? undefined : await getMapping(ctx.db, name);
      if (!job && !mapping)
        throw AppError.from(await noSuchScheduledJob(ctx.db, name, ctx.clock.now()));
      if (mapping && req.body?.wait) return mappingRunAnswer(name, await runMappingNow(ctx, name));
      if (!ctx.boss) throw new AppError('not_ready', 'This process runs no job queue');
      const jobId = job
        ? await queueRecurringJob(ctx.boss, job, 'manual')
        : await queueMappingRun(ctx.boss, name, 'manual');
      return reply.status(202).send({
        queued: jobId !== null,
        jobId,
        // jobId is the queue's: the synchronization jobs it runs list under the mapping's name.
        message: jobId
          ? `${name} is queued; its run shows in GET /jobs?mapping=${encodeURIComponent(name)} once a worker takes it`
          : `${name} is already waiting to run`,
      });
    },
  );
}

/** A mapping's run in this request: as a request waits for a run already under way, then refuses. */
const runMappingNow = (ctx: AppContext, name: string) =>
  runMappingJob(
    depsOf(ctx),
    { mapping: name, trigger: 'manual' },
    {},
    { waitMs: LOCK_WAIT.request },
  );

/**
 * What a mapping run in the request did, job by job; a run that did not start is refused with why
 * (another run holds the mapping, its full synchronization holds it, the connection is off), never
 * answered as done.
 */
function mappingRunAnswer(name: string, r: MappingJobOutcome) {
  if (r.failure) throw AppError.from(r.failure);
  if (r.held) throw new AppError('mapping_held', `${name} was not run: ${r.held}`);
  if (!r.ran)
    throw new AppError(
      'mapping_busy',
      `${name} was not run: it is being synchronized right now; try again when that run has finished`,
    );
  const jobs = (r.reports ?? []).map((p) => ({
    jobId: p.jobId,
    direction: p.direction,
    status: p.status,
    ...p.counters,
    ...(p.message ? { message: p.message } : {}),
  }));
  return { ran: true, mapping: name, jobs };
}
