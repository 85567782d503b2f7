import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../server/context.ts';
import { AppError } from '../../shared/errors.ts';
import { restoreSkipped } from '../../sync/couplings/coupling-repo.ts';
import { couplingOut } from './coupling-routes.ts';
import { guid, guids, mappingName, PREFIX } from './shared.ts';

const tags = ['integration: log'];
const page = {
  top: z.coerce.number().int().min(1).max(1000).default(50),
  skip: z.coerce.number().int().min(0).default(0),
};

/** F14/F15: synchronization jobs with counters, per-record errors, skipped records. */
export function registerLogRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/jobs`,
    {
      schema: {
        tags,
        summary: 'Synchronization jobs, newest first, with counters',
        querystring: z.strictObject({ mapping: mappingName.optional(), ...page }),
      },
    },
    async (req) => {
      const rows = await ctx.db.query(
        `SELECT id, mapping_name AS mapping, direction, type, trigger, status, started_at AS "startedAt", finished_at AS "finishedAt",
           inserted, modified, unchanged, skipped, failed, deleted, uncoupled, coupled, message
         FROM integration.sync_jobs WHERE ($1::text IS NULL OR mapping_name = $1) ORDER BY started_at DESC LIMIT $2 OFFSET $3`,
        [req.query.mapping ?? null, req.query.top, req.query.skip],
      );
      return { value: rows.rows };
    },
  );
  r.get(
    `${PREFIX}/jobs/:id`,
    { schema: { tags, params: z.strictObject({ id: guid }) } },
    async (req) => {
      const job = await ctx.db.query('SELECT * FROM integration.sync_jobs WHERE id = $1', [
        req.params.id,
      ]);
      if (!job.rows[0]) throw new AppError('not_found', `No synchronization job ${req.params.id}`);
      const errors = await ctx.db.query(
        'SELECT * FROM integration.sync_errors WHERE job_id = $1 ORDER BY id',
        [req.params.id],
      );
      return { ...job.rows[0], errors: errors.rows };
    },
  );
  r.get(
    `${PREFIX}/errors`,
    {
      schema: {
        tags,
        summary: 'Per-record synchronization errors with both record identities',
        querystring: z.strictObject({ mapping: mappingName.optional(), ...page }),
      },
    },
    async (req) => {
      const rows = await ctx.db.query(
        `SELECT id, job_id AS "jobId", mapping_name AS mapping, direction, erp_table AS "erpTable", erp_id AS "erpId",
           crm_entity AS "crmEntity", crm_id AS "crmId", message, created_at AS "createdAt"
         FROM integration.sync_errors WHERE ($1::text IS NULL OR mapping_name = $1) ORDER BY id DESC LIMIT $2 OFFSET $3`,
        [req.query.mapping ?? null, req.query.top, req.query.skip],
      );
      return { value: rows.rows };
    },
  );
  r.get(
    `${PREFIX}/skipped`,
    {
      schema: {
        tags,
        summary: 'Skipped records (failed twice with the same error)',
        querystring: z.strictObject({ mapping: mappingName.optional(), ...page }),
      },
    },
    async (req) => {
      const rows = await ctx.db.query(
        `SELECT * FROM integration.couplings WHERE skipped AND ($1::text IS NULL OR mapping_name = $1) ORDER BY updated_at DESC LIMIT $2 OFFSET $3`,
        [req.query.mapping ?? null, req.query.top, req.query.skip],
      );
      return {
        value: rows.rows.map((c) => couplingOut(c as unknown as Parameters<typeof couplingOut>[0])),
      };
    },
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
}
