import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../shared/errors.ts';
import { restoreSkipped } from '../../sync/couplings/coupling-repo.ts';
import { listCouplings, listErrors, listJobs } from '../../sync/queries.ts';
import { jobWrites } from '../job-writes.ts';
import { retrySkipped } from '../skipped-service.ts';
import { engineOrThrow, guid, guids, mappingName, must, PREFIX } from './shared.ts';

const tags = ['integration: log'];
const filter = z.strictObject({
  mapping: mappingName.optional(),
  top: z.coerce.number().int().min(1).max(1000).default(50),
  skip: z.coerce.number().int().min(0).default(0),
});

/** The synchronization log: jobs with their counters, per-record errors, skipped records. */
export function registerLogRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/jobs`,
    {
      schema: {
        tags,
        summary: 'Synchronization jobs, newest first, with counters',
        querystring: filter,
      },
    },
    async (req) => ({
      value: await listJobs(ctx.db, req.query),
    }),
  );
  r.get(
    `${PREFIX}/jobs/:id`,
    { schema: { tags, summary: 'One job with its errors', params: z.strictObject({ id: guid }) } },
    async (req) => {
      const [job] = await listJobs(ctx.db, { id: req.params.id, top: 1, skip: 0 });
      if (!job) throw new AppError('not_found', `No synchronization job ${req.params.id}`);
      return {
        ...job,
        errors: await listErrors(ctx.db, { jobId: req.params.id, all: true, top: 1000, skip: 0 }),
      };
    },
  );
  r.get(
    `${PREFIX}/jobs/:id/writes`,
    {
      schema: {
        tags,
        summary:
          "The job's write history in write order: per record and side the values it wrote, with the values before (an ask job's write-backs to its source side too)",
        params: z.strictObject({ id: guid }),
        querystring: z.strictObject({
          top: z.coerce.number().int().min(1).max(1000).default(100),
          skip: z.coerce.number().int().min(0).default(0),
        }),
      },
    },
    async (req) => {
      const [job] = await listJobs(ctx.db, { id: req.params.id, top: 1, skip: 0 });
      if (!job) throw new AppError('not_found', `No synchronization job ${req.params.id}`);
      return jobWrites(ctx, job, req.query);
    },
  );
  r.get(
    `${PREFIX}/errors`,
    {
      schema: {
        tags,
        summary:
          'Open per-record synchronization errors with both record identities (all=true: also those settled since, with settled: true)',
        querystring: filter.extend({
          all: z.enum(['true', 'false']).optional(),
        }),
      },
    },
    async (req) => ({
      value: await listErrors(ctx.db, { ...req.query, all: req.query.all === 'true' }),
    }),
  );
  r.get(
    `${PREFIX}/skipped`,
    {
      schema: {
        tags,
        summary: 'Skipped records (failed twice with the same error)',
        querystring: filter,
      },
    },
    async (req) => ({
      value: await listCouplings(ctx.db, { ...req.query, skipped: true }),
    }),
  );
  r.post(
    `${PREFIX}/skipped/restore`,
    {
      schema: {
        tags,
        summary: 'Restore skipped records so scheduled runs retry them',
        body: z.strictObject({ couplingIds: guids }),
      },
    },
    async (req) => ({ restored: await restoreSkipped(ctx.db, req.body.couplingIds) }),
  );
  r.post(
    `${PREFIX}/skipped/retry`,
    {
      schema: {
        tags,
        summary:
          'Restore skipped records and synchronize them now (send, get or merge by the mapping direction)',
        body: z.strictObject({ couplingIds: guids }),
      },
    },
    async (req) => must(await retrySkipped(ctx.db, await engineOrThrow(ctx), req.body.couplingIds)),
  );
}
