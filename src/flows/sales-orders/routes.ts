import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../shared/errors.ts';
import '../errors.ts';
import '../../integration/errors.ts';
import type { Result } from '../../shared/result.ts';
import { crmIdsBody } from '../request-schemas.ts';
import { createOrdersInErp, listCrmSalesOrders } from './order-pickup.ts';

const PREFIX = '/api/integration/v1';
const tags = ['integration: sales orders'];

const must = <T>(r: Result<T>): T => {
  if (!r.ok) throw AppError.from(r.error);
  return r.value;
};

/** The list of CRM sales orders and *Create in ERP*. */
export function registerSalesOrderRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/crmSalesOrders`,
    {
      schema: {
        tags,
        summary:
          'Submitted CRM sales orders with their ERP order, or why the ERP refused them (state=all adds active, fulfilled and invoiced orders)',
        querystring: z.strictObject({
          state: z.enum(['submitted', 'all']).default('submitted'),
          top: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (req) => ({ value: must(await listCrmSalesOrders(ctx, req.query)) }),
  );
  r.post(
    `${PREFIX}/crmSalesOrders/createInErp`,
    {
      schema: {
        tags,
        summary:
          'Create ERP sales orders from submitted CRM orders, each in its own transaction; every order gets its outcome',
        body: crmIdsBody,
      },
    },
    async (req) => must(await createOrdersInErp(ctx, req.body.crmIds)),
  );
}
