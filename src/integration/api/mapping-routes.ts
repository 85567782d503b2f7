import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../shared/errors.ts';
import { listMappings } from '../../sync/mappings/mapping-repo.ts';
import {
  DELETION_CONFLICT_POLICIES,
  DIRECTIONS,
  FILTER_OPS,
  type TableMapping,
  TRANSFORMATIONS,
  UPDATE_CONFLICT_POLICIES,
} from '../../sync/model.ts';
import { mappingStats } from '../../sync/queries.ts';
import { restoreDefaultMapping } from '../connection-service.ts';
import { replaceFieldMappings, updateMapping } from '../mapping-service.ts';
import { listRealtimeMappings, setRealtime } from '../realtime/realtime-settings.ts';
import { skippedNote } from '../skipped-service.ts';
import { queueMappingRun, recoverDeadRuns } from '../sync-jobs.ts';
import { depsOf, mappingName, mappingOr404, must, PREFIX } from './shared.ts';

const tags = ['integration: mappings'];
const admin = { roles: ['admin'] as const };
const filter = z
  .array(
    z.strictObject({
      field: z.string().min(1).max(100),
      op: z.enum(FILTER_OPS),
      value: z.unknown().optional(),
    }),
  )
  .max(50);

const mappingPatch = z.strictObject({
  direction: z.enum(DIRECTIONS).optional(),
  erpFilter: filter.optional(),
  crmFilter: filter.optional(),
  syncOnlyCoupled: z.boolean().optional(),
  updateConflict: z.enum(UPDATE_CONFLICT_POLICIES).optional(),
  deletionConflict: z.enum(DELETION_CONFLICT_POLICIES).optional(),
  dependencyFilter: z.string().max(250).optional(),
  syncAfterCoupling: z.boolean().optional(),
  createNewOnNoMatch: z.boolean().optional(),
  jobEnabled: z.boolean().optional(),
  jobIntervalMinutes: z.number().int().min(1).max(10080).optional(),
  inactivityTimeoutMinutes: z.number().int().min(0).max(100000).optional(),
  /** Hours a conflict-inbox entry stays open before it ages out to a failed record (policy ask). */
  conflictExpiryHours: z.number().int().min(1).max(8760).optional(),
  /** Near-real-time propagation; null goes back to the default (on for master data). */
  realtime: z.boolean().nullable().optional(),
});

const fieldMapping = z.strictObject({
  /** Ignored: the order of the list is the order of the fields. */
  position: z.number().int().optional(),
  erpField: z.string().min(1).max(100).optional(),
  crmField: z.string().min(1).max(100).optional(),
  direction: z.enum(DIRECTIONS),
  constantValue: z.string().max(100).optional(),
  lookup: z
    .strictObject({
      mapping: mappingName,
      erpKey: z.string().min(1).max(100),
      /** The related record is the parent: it takes the record along under "only coupled". */
      parent: z.boolean().optional(),
    })
    .optional(),
  transformation: z.enum(TRANSFORMATIONS).optional(),
  validateField: z.boolean().default(true),
  validateCrmField: z.boolean().default(false),
  clearOnFailedSync: z.boolean().default(false),
  notNull: z.boolean().default(false),
  enabled: z.boolean().default(true),
  useForMatching: z.boolean().default(false),
  caseSensitiveMatching: z.boolean().default(false),
  matchPriority: z.number().int().min(0).max(100).default(0),
});

const bareList = (b: unknown): unknown =>
  b !== null && typeof b === 'object' && !Array.isArray(b) && Object.keys(b).join() === 'value'
    ? (b as { value: unknown }).value
    : b;

/**
 * Whether a PUT's field mappings came as `{"value": [...]}` (read before validation unwraps them):
 * its problems name them as given, `value[2].crmField`, or `body[2].crmField` for a bare array.
 */
const wrapped = new WeakMap<object, boolean>();

/**
 * The field mappings of a PUT: a bare array, or `{"value": [...]}` as GET answers them, so what
 * GET answered can be edited and put back as it is.
 */
const fieldMappingList = z
  .preprocess(
    bareList,
    z
      .array(fieldMapping, {
        error: (iss) =>
          iss.code === 'invalid_type'
            ? 'expected the field mappings: an array, or {"value": [...]} as GET answers them'
            : undefined,
      })
      .min(1)
      .max(200),
  )
  .describe('The field mappings in order: an array, or {"value": [...]} as GET answers them');

/**
 * Mappings as the API answers them, in the list and one by one: with the real-time switch, the
 * counts of open record errors and skipped records, and the last run and its failure.
 */
async function withStats(ctx: AppContext, mappings: readonly TableMapping[]) {
  const stats = await mappingStats(ctx.db);
  const realtime = new Map((await listRealtimeMappings(ctx.db)).map((m) => [m.name, m]));
  return mappings.map((m) => {
    const s = stats.get(m.name);
    return {
      ...m,
      realtime: realtime.get(m.name)?.realtime ?? false,
      numberOfErrors: s?.errors ?? 0,
      numberOfSkipped: s?.skipped ?? 0,
      lastRunAt: s?.lastRunAt ?? null,
      lastRunStatus: s?.lastRunStatus ?? null,
      lastFailure: s?.lastFailure ?? null,
    };
  });
}

/** Integration table and field mappings: view, edit (validated), restore the default, run now. */
export function registerMappingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const byName = z.strictObject({ name: mappingName });
  r.get(
    `${PREFIX}/tableMappings`,
    {
      schema: {
        tags,
        summary:
          'Every table mapping with its counts of open record errors (numberOfErrors: what GET /errors and kobling errors list, not settled since) and skipped records',
      },
    },
    async () => ({ value: await withStats(ctx, await listMappings(ctx.db)) }),
  );
  r.get(
    `${PREFIX}/tableMappings/:name`,
    { schema: { tags, summary: 'One table mapping, as in the list', params: byName } },
    async (req) => (await withStats(ctx, [await mappingOr404(ctx, req.params.name)]))[0],
  );
  r.patch(
    `${PREFIX}/tableMappings/:name`,
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change a mapping (validated: every problem is reported)',
        params: byName,
        body: mappingPatch,
      },
    },
    async (req) => {
      const { realtime, ...patch } = req.body;
      const m = must(await updateMapping(ctx.db, req.params.name, patch));
      if (realtime !== undefined) await setRealtime(ctx.db, m.name, realtime);
      return (await withStats(ctx, [m]))[0];
    },
  );
  r.get(
    `${PREFIX}/tableMappings/:name/fieldMappings`,
    { schema: { tags, params: byName } },
    async (req) => ({
      value: (await mappingOr404(ctx, req.params.name)).fields,
    }),
  );
  r.put(
    `${PREFIX}/tableMappings/:name/fieldMappings`,
    {
      config: admin,
      schema: {
        tags,
        summary:
          "Replace the field mappings of a mapping; CRM columns are checked against the organization's metadata (400 unknown_crm_column), or saved with a warning when it cannot be read; ERP fields the table lacks answer 400 unknown_erp_field when nothing else is wrong (else mapping_invalid, every problem in details); a problem's path names the list as given: value[2].crmField, or body[2].crmField for a bare array",
        params: byName,
        body: fieldMappingList,
      },
      preValidation: async (req) => {
        wrapped.set(req, bareList(req.body) !== req.body);
      },
    },
    async (req) => {
      const fields = req.body.map(({ position: _ignored, ...f }, i) => ({ ...f, position: i + 1 }));
      const at = wrapped.get(req) ? 'value' : 'body';
      const saved = must(await replaceFieldMappings(depsOf(ctx), req.params.name, fields, at));
      return { value: saved.fields, warnings: saved.warnings };
    },
  );
  r.post(
    `${PREFIX}/tableMappings/:name/restoreDefault`,
    {
      config: admin,
      schema: {
        tags,
        summary: 'Restore the shipped settings and field mappings of a default mapping',
        params: byName,
      },
    },
    async (req) => {
      must(await restoreDefaultMapping(depsOf(ctx), req.params.name));
      return mappingOr404(ctx, req.params.name);
    },
  );
  r.post(
    `${PREFIX}/tableMappings/:name/run`,
    {
      schema: {
        tags,
        summary: 'Synchronize modified records of a mapping now (queued as a job)',
        params: byName,
      },
    },
    async (req, reply) => {
      await mappingOr404(ctx, req.params.name);
      if (!ctx.boss) throw new AppError('not_ready', 'This process runs no job queue');
      // A run left 'active' by a killed worker would hold this one back for an hour: free it first.
      const recovered = await recoverDeadRuns(depsOf(ctx), ctx.boss, req.params.name);
      const jobId = await queueMappingRun(ctx.boss, req.params.name, 'manual');
      // A run retries failed records, not skipped ones: the answer says so when there are some.
      const skipped = await skippedNote(ctx.db, req.params.name, 'api');
      return reply.status(202).send({
        queued: jobId !== null,
        jobId,
        ...(jobId === null
          ? { message: 'A run of this mapping is already waiting; it covers these changes' }
          : {}),
        ...(skipped ? { skippedRecords: skipped.skipped, skippedMessage: skipped.message } : {}),
        ...(recovered.length > 0 ? { recoveredDeadRun: true } : {}),
      });
    },
  );
}
