import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { statisticsInCustomerCurrency } from '../../erp/public-api.ts';
import { isoDate } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import '../errors.ts';
import { coupledCrmId, openOutbound } from '../outbound-context.ts';
import { customerNumber, customerNumbersBody } from '../request-schemas.ts';
import { updateAccountStatisticsAndPayments } from './update-account-statistics.ts';

const PREFIX = '/api/integration/v1';
const tags = ['integration: account statistics'];

/** *Update account statistics* on one or many customers, and the statistics as the ERP sees them. */
export function registerAccountStatisticsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/customers/:number/accountStatistics`,
    {
      schema: {
        tags,
        summary:
          "A customer's statistics in its currency (what Update account statistics writes) and the coupled account",
        params: z.strictObject({ number: customerNumber }),
      },
    },
    async (req) => {
      const stats = await statisticsInCustomerCurrency(
        ctx.db,
        [req.params.number],
        isoDate(ctx.clock.now()),
      );
      if (!stats.ok) throw AppError.from(stats.error);
      const s = stats.value[0];
      if (!s) throw new AppError('not_found', `Customer ${req.params.number} does not exist`);
      const o = await openOutbound(ctx);
      const accountId = o.ok ? await coupledCrmId(o.value, 'customers', s.customerId) : undefined;
      return { ...s, accountId: accountId ?? null };
    },
  );

  r.post(
    `${PREFIX}/customers/:number/updateAccountStatistics`,
    {
      schema: {
        tags,
        summary:
          "Update account statistics: write the customer's statistics to its account's statistics in Dynamics 365 Sales, and its invoices' payment status",
        params: z.strictObject({ number: customerNumber }),
      },
    },
    async (req) => {
      const o = await openOutbound(ctx);
      if (!o.ok) throw AppError.from(o.error);
      const report = await updateAccountStatisticsAndPayments(o.value, [req.params.number]);
      if (!report.ok) throw AppError.from(report.error);
      const result = report.value.results[0]!;
      if (result.outcome === 'notFound') throw new AppError('not_found', result.message);
      if (result.outcome === 'failed')
        throw new AppError(result.code ?? 'not_coupled', result.message);
      return {
        ...result,
        crmWrites: report.value.crmWrites,
        invoicesModified: report.value.invoicesModified,
      };
    },
  );

  r.post(
    `${PREFIX}/customers/updateAccountStatistics`,
    {
      schema: {
        tags,
        summary:
          'Update account statistics of many customers; each one reports inserted, modified, unchanged, failed or not found',
        body: customerNumbersBody,
      },
    },
    async (req) => {
      const o = await openOutbound(ctx);
      if (!o.ok) throw AppError.from(o.error);
      const report = await updateAccountStatisticsAndPayments(o.value, req.body.numbers);
      if (!report.ok) throw AppError.from(report.error);
      return report.value;
    },
  );
}
