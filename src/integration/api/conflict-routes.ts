import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { conflictPage, resolveMany, resolveOne } from '../conflict-service.ts';
import { CONFLICT_PAGING } from './list-paging.ts';
import { pageAnswer, pagePlan, pagingQuery } from './paging.ts';
import { depsOf, guid, guids, mappingName, must, PREFIX } from './shared.ts';

const tags = ['integration: conflict inbox'];

/** A typed value as the ERP field holds it: text, a number, true/false, or null to clear it. */
const typedValue = z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]);
const choice = z.discriminatedUnion('take', [
  z.strictObject({ take: z.literal('erp') }),
  z.strictObject({ take: z.literal('crm') }),
  z.strictObject({ take: z.literal('value'), value: typedValue }),
]);
const bulk = z
  .strictObject({
    ids: guids.optional(),
    mapping: mappingName.optional(),
    take: z.enum(['erp', 'crm']),
  })
  .refine((b) => (b.ids === undefined) !== (b.mapping === undefined), {
    message: 'Give either ids or mapping (exactly one)',
  });

const who = (req: FastifyRequest): string => req.user?.username ?? 'api';

/**
 * The conflict inbox (policy `ask`): fields changed on both sides, waiting for a user. Resolving
 * writes both sides and clears the entry (docs/conflict-inbox.md).
 */
export function registerConflictRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = () => ({ ...depsOf(ctx), clock: ctx.clock });
  r.get(
    `${PREFIX}/conflicts`,
    {
      schema: {
        tags,
        summary:
          'Open conflict-inbox entries, oldest first (detection, id): record, field pair, both values, who changed each side and when; total: every open entry, agedOut: entries aged out by this read; paged: 50 a page (Prefer: odata.maxpagesize up to 1000; top rows in one page up to 1000), @odata.nextLink on every page but the last, @odata.count with $count=true',
        querystring: z.strictObject({ mapping: mappingName.optional(), ...pagingQuery }),
      },
    },
    async (req, reply) => {
      const { mapping, ...options } = req.query;
      const plan = pagePlan(req, CONFLICT_PAGING, options);
      // Counted always: `total` is in every answer, as it always was.
      const page = await conflictPage(deps(), { filter: { mapping }, ...plan, count: true });
      const { count: total = 0, agedOut } = page;
      return {
        total,
        agedOut,
        ...pageAnswer(req, reply, CONFLICT_PAGING, plan, {
          ...page,
          ...(plan.count ? {} : { count: undefined }),
        }),
      };
    },
  );
  r.post(
    `${PREFIX}/conflicts/:id/resolve`,
    {
      schema: {
        tags,
        summary:
          "Resolve one entry: take the ERP's value, the CRM's, or a typed value (as the ERP field holds it); both sides are written",
        params: z.strictObject({ id: guid }),
        body: choice,
      },
    },
    async (req) => must(await resolveOne(deps(), req.params.id, req.body, who(req))),
  );
  r.post(
    `${PREFIX}/conflicts/resolve`,
    {
      schema: {
        tags,
        summary:
          'Resolve many entries with one choice: the given ids, or every open entry of a mapping',
        body: bulk,
      },
    },
    async (req) => {
      const target = req.body.ids ? { ids: req.body.ids } : { mapping: req.body.mapping! };
      return must(await resolveMany(deps(), target, req.body.take, who(req)));
    },
  );
}
