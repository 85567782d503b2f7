import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../shared/errors.ts';
import '../errors.ts';
import { openOutbound } from '../outbound-context.ts';
import { customerNumber, invoiceNumber, invoiceNumbersBody } from '../request-schemas.ts';
import { createInvoicesInCrmByNumber } from './create-crm-invoices.ts';
import { listPostedInvoices } from './list-posted-invoices.ts';

const PREFIX = '/api/integration/v1';
const tags = ['integration: posted invoices'];

/** Posted sales invoices and *Create invoice in Dynamics 365 Sales*. */
export function registerPostedInvoiceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/postedSalesInvoices`,
    {
      schema: {
        tags,
        summary:
          'Posted sales invoices, newest first, with their payment status and the coupled CRM invoice',
        querystring: z.strictObject({
          customerNumber: customerNumber.optional(),
          top: z.coerce.number().int().min(1).max(1000).default(50),
          skip: z.coerce.number().int().min(0).default(0),
        }),
      },
    },
    async (req) => {
      const rows = await listPostedInvoices(ctx, req.query);
      if (!rows.ok) throw AppError.from(rows.error);
      return { value: rows.value };
    },
  );

  r.post(
    `${PREFIX}/postedSalesInvoices/:number/createInCrm`,
    {
      schema: {
        tags,
        summary:
          'Create invoice in Dynamics 365 Sales: the CRM invoice with its lines, linked to the CRM order when there is one, Active / Billed (or its payment status)',
        params: z.strictObject({ number: invoiceNumber }),
      },
    },
    async (req) => {
      const o = await openOutbound(ctx);
      if (!o.ok) throw AppError.from(o.error);
      const report = await createInvoicesInCrmByNumber(o.value, [req.params.number]);
      if (!report.ok) throw AppError.from(report.error);
      const result = report.value.results[0]!;
      if (result.outcome === 'notFound') throw new AppError('not_found', result.message);
      if (result.outcome === 'failed')
        throw new AppError('invoice_not_created', result.message, {
          details: { jobId: report.value.jobId },
        });
      const jobId = report.value.jobId;
      return jobId
        ? { ...result, jobId }
        : { ...result, jobId, message: `${result.message}; nothing was created, no job was run` };
    },
  );

  r.post(
    `${PREFIX}/postedSalesInvoices/createInCrm`,
    {
      schema: {
        tags,
        summary:
          'Create invoices in Dynamics 365 Sales for many posted invoices; each one reports created, already coupled, failed or not found',
        body: invoiceNumbersBody,
      },
    },
    async (req) => {
      const o = await openOutbound(ctx);
      if (!o.ok) throw AppError.from(o.error);
      const report = await createInvoicesInCrmByNumber(o.value, req.body.numbers);
      if (!report.ok) throw AppError.from(report.error);
      return report.value;
    },
  );
}
