import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../shared/errors.ts';
import { restoreSkipped } from '../../sync/couplings/coupling-repo.ts';
import { listJobs } from '../../sync/queries.ts';
import { labeledJobErrors, withErpRecordLabels } from '../error-labels.ts';
import { jobWrites } from '../job-writes.ts';
import { keysetPage } from '../keyset-list.ts';
import { COUPLINGS, ERRORS, JOBS } from '../log-lists.ts';
import { chosenSkipped, retrySkipped } from '../skipped-service.ts';
import { ERROR_PAGING, JOB_PAGING, SKIPPED_PAGING } from './list-paging.ts';
import { pageAnswer, pagePlan, pagingQuery } from './paging.ts';
import { engineOrThrow, guid, guids, mappingName, must, PREFIX } from './shared.ts';

const tags = ['integration: log'];
const filter = z.strictObject({ mapping: mappingName.optional(), ...pagingQuery });
/** How the lists page, for their summaries (the couplings list pages the same way). */
const PAGED =
  'paged: 50 a page (Prefer: odata.maxpagesize up to 1000; top rows in one page up to 1000), @odata.nextLink on every page but the last, @odata.count with $count=true';

/** Skipped records by coupling id, or every skipped record of one mapping. */
const skippedChoice = z.union([
  z.strictObject({ couplingIds: guids }),
  z.strictObject({ mapping: mappingName }),
]);

const nothingSkipped = (choice: z.infer<typeof skippedChoice>) =>
  'mapping' in choice ? `No skipped records of ${choice.mapping}` : 'None of them is skipped';

/** The synchronization log: jobs with their counters, per-record errors, skipped records. */
export function registerLogRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/jobs`,
    {
      schema: {
        tags,
        summary: `Synchronization jobs, newest first (start, id), with counters; ${PAGED}`,
        querystring: filter,
      },
    },
    async (req, reply) => {
      const { mapping, ...options } = req.query;
      const plan = pagePlan(req, JOB_PAGING, options);
      const page = await keysetPage(ctx.db, JOBS, { filter: { mapping }, ...plan });
      return pageAnswer(req, reply, JOB_PAGING, plan, page);
    },
  );
  r.get(
    `${PREFIX}/jobs/:id`,
    {
      schema: {
        tags,
        summary:
          "One job with its errors (every failure, settled ones saying so, up to 1000), each with the ERP record's number and name (erpRecordLabel, when it can be read)",
        params: z.strictObject({ id: guid }),
      },
    },
    async (req) => {
      const [job] = await listJobs(ctx.db, { id: req.params.id, top: 1, skip: 0 });
      if (!job) throw new AppError('not_found', `No synchronization job ${req.params.id}`);
      return { ...job, errors: await labeledJobErrors(ctx.db, job.id) };
    },
  );
  r.get(
    `${PREFIX}/jobs/:id/writes`,
    {
      schema: {
        tags,
        summary:
          "The job's write history in write order: per record and side the values it modified, with the values before (an ask job's write-backs to its source side too); a record it created is an insert without values (after: null), the record holds them; each write has its side's table, the record's name and lookupNames: the names of the records its CRM lookup values point to, by id (an id whose record is gone or unread is left out), and optionLabels: the labels of its CRM option values (choice columns an option mapping couples) by column, then value (a value no code is coupled to is left out)",
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
        summary: `Open per-record synchronization errors with both record identities (notCreated: the side whose create failed, so its id leads nowhere yet) and the ERP record's number and name (erpRecordLabel, when it can be read), newest first (all=true: also those settled since, with settled: true); ${PAGED}`,
        querystring: filter.extend({
          all: z.enum(['true', 'false']).optional(),
        }),
      },
    },
    async (req, reply) => {
      const { mapping, all, ...options } = req.query;
      const plan = pagePlan(req, ERROR_PAGING, options);
      const page = await keysetPage(ctx.db, ERRORS, {
        filter: { mapping, all: all === 'true' },
        ...plan,
      });
      const value = await withErpRecordLabels(ctx.db, page.value);
      return pageAnswer(req, reply, ERROR_PAGING, plan, { ...page, value });
    },
  );
  r.get(
    `${PREFIX}/skipped`,
    {
      schema: {
        tags,
        summary: `Skipped records (failed twice with the same error) with the ERP record's number and name (erpRecordLabel, when it can be read) and notCreated (the side whose create failed, so its id leads nowhere yet), in the couplings list's order (mapping, creation, id); ${PAGED}`,
        querystring: filter,
      },
    },
    async (req, reply) => {
      const { mapping, ...options } = req.query;
      const plan = pagePlan(req, SKIPPED_PAGING, options);
      const page = await keysetPage(ctx.db, COUPLINGS, {
        filter: { mapping, skipped: true },
        ...plan,
      });
      const value = await withErpRecordLabels(ctx.db, page.value);
      return pageAnswer(req, reply, SKIPPED_PAGING, plan, { ...page, value });
    },
  );
  r.post(
    `${PREFIX}/skipped/restore`,
    {
      schema: {
        tags,
        summary:
          "Restore skipped records (the given couplings, or every skipped record of a mapping) so the mapping's runs retry them",
        body: skippedChoice,
      },
    },
    async (req) => {
      const ids = must(await chosenSkipped(ctx.db, req.body));
      const restored = await restoreSkipped(ctx.db, ids);
      // No silent success: a restore that found nothing skipped says so.
      return {
        restored,
        ...(restored === 0 ? { message: `${nothingSkipped(req.body)}: nothing restored` } : {}),
      };
    },
  );
  r.post(
    `${PREFIX}/skipped/retry`,
    {
      schema: {
        tags,
        summary:
          'Restore skipped records (the given couplings, or every skipped record of a mapping) and synchronize them now (send, get or merge by the mapping direction)',
        body: skippedChoice,
      },
    },
    async (req) => {
      const ids = must(await chosenSkipped(ctx.db, req.body));
      if (ids.length === 0)
        return {
          restored: 0,
          results: [],
          message: `${nothingSkipped(req.body)}: nothing retried`,
        };
      return must(await retrySkipped(ctx.db, await engineOrThrow(ctx), ids));
    },
  );
}
