import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../server/context.ts';
import { AppError } from '../../shared/errors.ts';
import { runMapping } from '../../sync/engine/run-mapping.ts';
import { listCouplings } from '../../sync/queries.ts';
import { couple, findCrmByName, uncouple } from '../../sync/service/couplings.ts';
import { createInCrm, createInErp } from '../../sync/service/create-in.ts';
import { matchBasedCoupling } from '../../sync/service/match-based-coupling.ts';
import { synchronizeNow } from '../../sync/service/synchronize-now.ts';
import { engineOrThrow, guid, guids, mappingName, mappingOr404, must, PREFIX } from './shared.ts';

const tags = ['integration: couplings'];

const listQuery = z.strictObject({
  mapping: mappingName.optional(),
  erpId: guid.optional(),
  crmId: guid.optional(),
  skipped: z.enum(['true', 'false']).optional(),
  top: z.coerce.number().int().min(1).max(1000).default(100),
  skip: z.coerce.number().int().min(0).default(0),
});

/** F4 coupling, F5 synchronize now, create in CRM / ERP, match-based coupling. */
export function registerCouplingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/couplings`,
    {
      schema: {
        tags,
        summary: 'Couplings, filtered by mapping, record or skipped',
        querystring: listQuery,
      },
    },
    async (req) => {
      const { skipped, ...q } = req.query;
      return {
        value: await listCouplings(ctx.db, {
          ...q,
          ...(skipped ? { skipped: skipped === 'true' } : {}),
        }),
      };
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
      const ports = { erp: engine.erp, crm: engine.crm };
      const crmId = req.body.crmId ?? must(await findCrmByName(ports, m, req.body.crmName!));
      const coupling = must(await couple(ctx.db, ports, m, req.body.erpId, crmId));
      let synchronized: unknown;
      if (req.body.synchronize !== 'none') {
        synchronized = must(
          await synchronizeNow(engine, m, [req.body.erpId], req.body.synchronize, true),
        );
      }
      return reply.status(201).send({ coupling, ...(synchronized ? { synchronized } : {}) });
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
    async (req) => ({
      uncoupled: await uncouple(ctx.db, await mappingOr404(ctx, req.body.mapping), req.body.erpIds),
    }),
  );

  r.post(
    `${PREFIX}/couplings/matchBased`,
    {
      schema: {
        tags,
        summary: 'Match-based coupling of uncoupled ERP records (all, or the ones given)',
        body: z.strictObject({ mapping: mappingName, erpIds: guids.optional() }),
      },
    },
    async (req) => {
      const engine = await engineOrThrow(ctx);
      const m = await mappingOr404(ctx, req.body.mapping);
      if (!m.fields.some((f) => f.useForMatching)) {
        throw new AppError(
          'mapping_invalid',
          `Specify which fields of mapping ${m.name} are used for match-based coupling`,
        );
      }
      return matchBasedCoupling(engine, m, req.body.erpIds);
    },
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
        }),
      },
    },
    async (req) => {
      const engine = await engineOrThrow(ctx);
      const m = await mappingOr404(ctx, req.body.mapping);
      return must(
        await synchronizeNow(
          engine,
          m,
          req.body.erpIds,
          req.body.direction,
          req.body.confirmOverwrite,
        ),
      );
    },
  );

  r.post(
    `${PREFIX}/createInCrm`,
    {
      schema: {
        tags,
        summary: 'Create the ERP records in Dynamics 365 Sales and couple them',
        body: z.strictObject({ mapping: mappingName, erpIds: guids }),
      },
    },
    async (req) =>
      createInCrm(
        await engineOrThrow(ctx),
        await mappingOr404(ctx, req.body.mapping),
        req.body.erpIds,
      ),
  );
  r.post(
    `${PREFIX}/createInErp`,
    {
      schema: {
        tags,
        summary: 'Create the CRM rows as ERP records and couple them',
        body: z.strictObject({ mapping: mappingName, crmIds: guids }),
      },
    },
    async (req) =>
      createInErp(
        await engineOrThrow(ctx),
        await mappingOr404(ctx, req.body.mapping),
        req.body.crmIds,
      ),
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
    async (req) => ({
      jobs: await runMapping(await engineOrThrow(ctx), await mappingOr404(ctx, req.params.name), {
        trigger: 'manual',
      }),
    }),
  );
}
