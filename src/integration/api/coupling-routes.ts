import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import { couplingsByCrmIds } from '../../sync/couplings/coupling-repo.ts';
import { runMapping } from '../../sync/engine/run-mapping.ts';
import { NAME_COLUMN } from '../../sync/record-names.ts';
import { uncouple } from '../../sync/service/couplings.ts';
import { type AdhocWork, performAdhoc, queueAdhoc, SYNC_ADHOC_QUEUE } from '../adhoc-jobs.ts';
import { setUpCoupling } from '../coupling-service.ts';
import { withErpRecordLabels } from '../error-labels.ts';
import { heldError, holdReason } from '../full-sync/full-sync-lines.ts';
import { keysetPage } from '../keyset-list.ts';
import { COUPLINGS } from '../log-lists.ts';
import { LOCK_WAIT, withMappingLock } from '../mapping-lock.ts';
import { COUPLING_PAGING } from './list-paging.ts';
import { pageAnswer, pagePlan, pagingQuery } from './paging.ts';
import { engineOrThrow, guid, guids, mappingName, mappingOr404, must, PREFIX } from './shared.ts';

const tags = ['integration: couplings'];

const listQuery = z.strictObject({
  mapping: mappingName.optional(),
  erpId: guid.optional(),
  crmId: guid.optional(),
  skipped: z.enum(['true', 'false']).optional(),
  ...pagingQuery,
});

/** Coupling and uncoupling, synchronize now, create in CRM / ERP, match-based coupling. */
export function registerCouplingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/couplings`,
    {
      schema: {
        tags,
        summary:
          'Couplings, filtered by mapping, record or skipped, in a stable order (mapping, creation, id), paged: @odata.nextLink on every page but the last, @odata.count with $count=true; the page size by Prefer: odata.maxpagesize (at most 1000)',
        querystring: listQuery,
      },
    },
    async (req, reply) => {
      const { mapping, erpId, crmId, skipped, ...options } = req.query;
      const plan = pagePlan(req, COUPLING_PAGING, options);
      const page = await keysetPage(ctx.db, COUPLINGS, {
        filter: {
          mapping,
          erpId,
          crmId,
          ...(skipped ? { skipped: skipped === 'true' } : {}),
        },
        ...plan,
      });
      // Each with its ERP record's number and name, as the errors and skipped records have them.
      const value = await withErpRecordLabels(ctx.db, page.value);
      return pageAnswer(req, reply, COUPLING_PAGING, plan, { ...page, value });
    },
  );

  r.get(
    `${PREFIX}/crmRecords`,
    {
      schema: {
        tags,
        summary:
          "The CRM rows of a mapping's table within its CRM filter (e.g. accounts), with their coupling: what 'Create in ERP' picks from",
        querystring: z.strictObject({
          mapping: mappingName,
          uncoupled: z.enum(['true', 'false']).optional(),
          top: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const engine = await engineOrThrow(ctx);
      const m = await mappingOr404(ctx, req.query.mapping);
      if (m.isOptionMapping)
        throw new AppError('validation_failed', `${m.name} couples option values, not rows`);
      const rows = must(await engine.crm.find(m.crmEntity, m.crmFilter, 5000));
      const coupled = await couplingsByCrmIds(
        ctx.db,
        m.crmEntity,
        rows.map((row) => row.id),
      );
      const name = NAME_COLUMN[m.crmEntity] ?? 'name';
      const value = rows
        .map((row) => ({
          id: row.id,
          name: row.values[name] ?? null,
          coupled: coupled.has(row.id),
          erpId: coupled.get(row.id)?.erpId ?? null,
        }))
        .filter(
          (x) =>
            req.query.uncoupled === undefined || x.coupled !== (req.query.uncoupled === 'true'),
        )
        .slice(0, req.query.top);
      return { value };
    },
  );

  r.post(
    `${PREFIX}/couplings`,
    {
      schema: {
        tags,
        summary:
          'Couple an ERP record with a CRM record, given by id or looked up by name ("Set up coupling"), then optionally synchronize it',
        body: z
          .strictObject({
            mapping: mappingName,
            erpId: guid,
            crmId: guid.optional(),
            crmName: z.string().min(1).max(200).optional(),
            synchronize: z.enum(['none', 'send', 'get']).default('none'),
          })
          .refine((b) => (b.crmId === undefined) !== (b.crmName === undefined), {
            message: 'Give exactly one of crmId and crmName',
          }),
      },
    },
    async (req, reply) => {
      const engine = await engineOrThrow(ctx);
      const m = await mappingOr404(ctx, req.body.mapping);
      const { mapping: _m, ...input } = req.body;
      return reply.status(201).send(must(await setUpCoupling(ctx.db, engine, m, input)));
    },
  );

  r.post(
    `${PREFIX}/couplings/uncouple`,
    {
      schema: {
        tags,
        summary: 'Remove the couplings of ERP records',
        body: z.strictObject({ mapping: mappingName, erpIds: guids }),
      },
    },
    async (req) => {
      const m = await mappingOr404(ctx, req.body.mapping);
      const uncoupled = await withMappingLock(
        ctx.db,
        m.name,
        () => uncouple(ctx.db, m, req.body.erpIds),
        { waitMs: LOCK_WAIT.request },
      );
      const n = must(uncoupled);
      // Not coupled is not an error (the wanted state holds), but it is never a silent success.
      return {
        uncoupled: n,
        message:
          n > 0
            ? `Coupling deleted for ${plural(n, 'record')}`
            : `None of the given records was coupled in mapping ${m.name}; nothing changed`,
      };
    },
  );

  /** Runs the work in the request, or queues it when `background` is set (202 with the job). */
  const perform = async (reply: FastifyReply, work: AdhocWork, background: boolean) => {
    const m = await mappingOr404(ctx, work.mapping);
    const engine = await engineOrThrow(ctx);
    if (background) {
      if (!ctx.boss)
        throw new AppError('not_ready', 'This process runs no job queue; run without "background"');
      const jobId = await queueAdhoc(ctx.boss, work);
      return reply.status(202).send({ jobId, status: `${PREFIX}/backgroundJobs/${jobId}` });
    }
    return reply.send(must(await performAdhoc(ctx.db, engine, m, work)));
  };
  const background = z.boolean().default(false);

  r.post(
    `${PREFIX}/couplings/matchBased`,
    {
      schema: {
        tags,
        summary: 'Match-based coupling of uncoupled ERP records (all, or the ones given)',
        body: z.strictObject({ mapping: mappingName, erpIds: guids.optional(), background }),
      },
    },
    (req, reply) =>
      perform(
        reply,
        { kind: 'matchBased', mapping: req.body.mapping, erpIds: req.body.erpIds },
        req.body.background,
      ),
  );
  r.post(
    `${PREFIX}/synchronizeNow`,
    {
      schema: {
        tags,
        summary:
          'Synchronize coupled records now: send (ERP → CRM), get (CRM → ERP) or merge (both, by conflict policy)',
        body: z.strictObject({
          mapping: mappingName,
          erpIds: guids,
          direction: z.enum(['send', 'get', 'merge']),
          confirmOverwrite: z.boolean().default(false),
          background,
        }),
      },
    },
    (req, reply) => {
      const { background: bg, ...b } = req.body;
      return perform(reply, { kind: 'synchronizeNow', ...b }, bg);
    },
  );
  r.post(
    `${PREFIX}/createInCrm`,
    {
      schema: {
        tags,
        summary: 'Create the ERP records in Dynamics 365 Sales and couple them',
        body: z.strictObject({ mapping: mappingName, erpIds: guids, background }),
      },
    },
    (req, reply) =>
      perform(
        reply,
        { kind: 'createInCrm', mapping: req.body.mapping, erpIds: req.body.erpIds },
        req.body.background,
      ),
  );
  r.post(
    `${PREFIX}/createInErp`,
    {
      schema: {
        tags,
        summary: 'Create the CRM rows as ERP records and couple them',
        body: z.strictObject({ mapping: mappingName, crmIds: guids, background }),
      },
    },
    (req, reply) =>
      perform(
        reply,
        { kind: 'createInErp', mapping: req.body.mapping, crmIds: req.body.crmIds },
        req.body.background,
      ),
  );
  r.get(
    `${PREFIX}/backgroundJobs/:id`,
    {
      schema: {
        tags,
        summary: 'State and result of work queued with "background": true',
        params: z.strictObject({ id: guid }),
      },
    },
    async (req) => {
      if (!ctx.boss) throw new AppError('not_ready', 'This process runs no job queue');
      const job = await ctx.boss.getJobById(SYNC_ADHOC_QUEUE, req.params.id, {
        includeArchive: true,
      });
      if (!job) throw new AppError('not_found', `No background job ${req.params.id}`);
      return {
        id: job.id,
        state: job.state,
        work: job.data,
        result: job.output ?? null,
        createdOn: job.createdOn,
        completedOn: job.completedOn ?? null,
      };
    },
  );

  r.post(
    `${PREFIX}/tableMappings/:name/runNow`,
    {
      schema: {
        tags,
        summary: 'Run a mapping in this request and return its job reports',
        params: z.strictObject({ name: mappingName }),
      },
    },
    async (req) => {
      const engine = await engineOrThrow(ctx);
      const m = await mappingOr404(ctx, req.params.name);
      // Held like every regular run (a full synchronization at work, or not yet run since the
      // connection moved to another organization): checked under the lock, as the workers do.
      const jobs = await withMappingLock(
        ctx.db,
        m.name,
        async () => {
          const reason = await holdReason(ctx.db, m.name);
          if (reason) throw heldError(m.name, reason);
          return runMapping(engine, m, { trigger: 'manual' });
        },
        { waitMs: LOCK_WAIT.request },
      );
      return { jobs: must(jobs) };
    },
  );
}
