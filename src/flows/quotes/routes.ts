import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../shared/errors.ts';
import type { Result } from '../../shared/result.ts';
import { crmIdsBody } from '../request-schemas.ts';
import { listCrmQuotes, processQuotesInErp } from './quote-pickup.ts';

const PREFIX = '/api/integration/v1';
const tags = ['integration: quotes'];

const must = <T>(r: Result<T>): T => {
  if (!r.ok) throw AppError.from(r.error);
  return r.value;
};

/** The list of CRM quotes and *Process in ERP*. */
export function registerQuoteRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/crmQuotes`,
    {
      schema: {
        tags,
        summary:
          'Active and won CRM quotes with their ERP quote, or why the ERP refused them (state=all adds closed quotes)',
        querystring: z.strictObject({
          state: z.enum(['open', 'all']).default('open'),
          top: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (req) => ({ value: must(await listCrmQuotes(ctx, req.query)) }),
  );
  r.post(
    `${PREFIX}/crmQuotes/processInErp`,
    {
      schema: {
        tags,
        summary:
          'Process CRM quotes in the ERP (create or revise the ERP quote; link won quotes to their order; archive lost ones); every quote gets its outcome',
        body: crmIdsBody,
      },
    },
    async (req) => must(await processQuotesInErp(ctx, req.body.crmIds)),
  );
}
