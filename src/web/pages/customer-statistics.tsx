import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getEntity, statisticsInCustomerCurrency } from '../../erp/public-api.ts';
import { updateAccountStatisticsAndPayments } from '../../flows/account-statistics/update-account-statistics.ts';
import { openOutbound } from '../../flows/outbound-context.ts';
import { isoDate } from '../../shared/clock.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { agree, plural } from '../../shared/plural.ts';
import { SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { Card, Fields } from '../components/card.tsx';
import { parseInput } from '../form.ts';
import { formatMoney } from '../format.ts';
import { sendHtml } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';

/** The customer's statistics box (in its currency), with *Update account statistics*. */
export async function StatisticsBox(props: {
  deps: WebDeps;
  customerId: string;
  number: string;
  coupled: boolean;
  writable: boolean;
}) {
  const { ctx } = props.deps;
  const stats = unwrap(
    await statisticsInCustomerCurrency(ctx.db, [props.number], isoDate(ctx.clock.now())),
  )[0];
  return (
    <Card title="Statistics" id="statistics">
      {stats ? (
        <Fields
          fields={[
            ['Currency', stats.currencyCode ?? 'Local currency'],
            ...(
              [
                ['Balance', stats.balance],
                ['Outstanding orders', stats.outstandingOrders],
                ['Shipped not invoiced', stats.shippedNotInvoiced],
                ['Outstanding invoices', stats.outstandingInvoices],
                ['Total', stats.totalAmount],
                ['Total sales (excl. tax)', stats.totalSalesExcludingTax],
                ['Overdue amount', stats.overdueAmount],
                ['Credit limit', stats.creditLimit],
              ] as const
            ).map(([title, v]) => [title, formatMoney(v, stats.currencyCode)] as [string, string]),
            ['As of', stats.asOfDate],
          ]}
        />
      ) : (
        ''
      )}
      {props.writable ? (
        <p>
          <button
            type="button"
            hx-post={`/customers/${props.customerId}/updateAccountStatistics`}
            hx-target="#flash"
            disabled={!props.coupled}
            title={props.coupled ? undefined : 'Couple the customer with an account first'}
          >
            Update account statistics
          </button>
        </p>
      ) : (
        ''
      )}
    </Card>
  );
}

/** *Update account statistics* on a customer: its account's statistics and its invoices' payment status. */
export function registerCustomerStatistics(web: FastifyInstance, { ctx }: WebDeps): void {
  web.post<{ Params: { id: string } }>(
    '/customers/:id/updateAccountStatistics',
    async (request, reply) => {
      const id = parseInput(z.guid('That is not a record id'), request.params.id);
      const customer = unwrap(await getEntity(ctx.db, 'customers', id));
      const o = unwrap(await openOutbound(ctx));
      const report = unwrap(
        await updateAccountStatisticsAndPayments(o, [String(customer['number'])]),
      );
      const r = report.results[0];
      if (!r || r.outcome === 'failed' || r.outcome === 'notFound')
        throw new AppError(
          r?.code ?? 'not_coupled',
          r?.message ?? 'The statistics were not updated',
        );
      const invoices = report.invoicesModified
        ? ` ${plural(report.invoicesModified, 'invoice')} got ${agree(report.invoicesModified, 'its', 'their')} payment status.`
        : '';
      return sendHtml(
        reply,
        r.outcome === 'unchanged' ? (
          <WarningBanner
            message={`The account statistics were already up to date; nothing written.${invoices}`}
          />
        ) : (
          <SuccessBanner
            message={`Account statistics ${r.outcome === 'inserted' ? 'created' : 'updated'} in Dynamics 365 Sales.${invoices}`}
          />
        ),
      );
    },
  );
}
