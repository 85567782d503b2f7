import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  type ApiRecord,
  getSalesSetup,
  postCustomerPayment,
  updateSalesSetup,
} from '../../erp/public-api.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { SuccessBanner } from '../components/banner.tsx';
import { Card, Fields } from '../components/card.tsx';
import { checkbox, parseInput } from '../form.ts';
import { formatMoney, moneyOf } from '../format.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { canWrite, isAdmin } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { field, registerErpList } from './erp-list.tsx';

const amount = z
  .string()
  .trim()
  .regex(/^\d+(\.\d{1,2})?$/, 'Enter the amount as a positive number (greater than 0), e.g. 125.50')
  .refine(
    (v) => Number(v) > 0,
    'Enter the amount as a positive number (greater than 0), e.g. 125.50',
  );
const paymentForm = z.object({
  customerNumber: z.string().trim().min(1, 'Enter the customer number').max(20),
  amount,
  appliesToInvoiceNumber: z.string().trim().max(20).optional(),
  postUnappliedIfPaid: checkbox,
});
const setupForm = z.object({
  writeInProductType: z.enum(['Item', 'Resource']),
  writeInProductNumber: z.string().trim().max(20),
  archiveQuotes: checkbox,
  archiveOrders: checkbox,
});

const money = (name: string) => (r: ApiRecord) => moneyOf(r, name);

/** Posted invoices, payments (with posting a payment), archived versions and the Sales setup. */
export function registerSalesLedgerPages(web: FastifyInstance, deps: WebDeps): void {
  const { ctx, auth } = deps;
  registerErpList(web, deps, {
    path: '/sales/payments',
    title: 'Customer payments',
    set: 'customerPayments',
    orderby: 'entryNumber desc',
    searchHint: 'Document No.',
    columns: () => [
      field('Entry', 'entryNumber', true),
      field('Posting date', 'postingDate'),
      field('Document No.', 'documentNumber'),
      field('Customer No.', 'customerNumber'),
      field('Description', 'description'),
      { header: 'Amount', value: money('amount'), numeric: true },
      { header: 'Remaining', value: money('remainingAmount'), numeric: true },
      field('Open', 'open'),
    ],
    above: (view) =>
      canWrite(view.user) ? (
        <Card title="Post a payment">
          <form class="inline-form" hx-post="/sales/payments" hx-target="#flash">
            <label for="customerNumber">Customer No.</label>
            <input id="customerNumber" name="customerNumber" required class="narrow" />
            <label for="amount">Amount</label>
            <input id="amount" name="amount" required inputmode="decimal" class="narrow" />
            <label for="appliesToInvoiceNumber">Applies to invoice No. (optional)</label>
            <input id="appliesToInvoiceNumber" name="appliesToInvoiceNumber" class="narrow" />
            <span>
              <input type="checkbox" id="postUnappliedIfPaid" name="postUnappliedIfPaid" />
              <label for="postUnappliedIfPaid">
                {' '}
                Post unapplied if that invoice is already paid
              </label>
            </span>
            <button type="submit">Post payment</button>
          </form>
        </Card>
      ) : (
        ''
      ),
  });
  web.post('/sales/payments', async (request, reply) => {
    const input = parseInput(paymentForm, request.body);
    const posted = await postCustomerPayment(
      ctx.db,
      {
        customerNumber: input.customerNumber,
        amount: input.amount,
        ...(input.appliesToInvoiceNumber
          ? {
              appliesToInvoiceNumber: input.appliesToInvoiceNumber,
              postUnappliedIfPaid: input.postUnappliedIfPaid,
            }
          : {}),
      },
      ctx.clock,
    );
    // The ERP's refusal names the API's way out; on this form it is the checkbox.
    if (!posted.ok && posted.error.code === 'invoice_already_paid')
      throw new AppError(
        'invoice_already_paid',
        `Invoice ${input.appliesToInvoiceNumber} is paid in full; nothing was posted. Tick 'Post unapplied if that invoice is already paid' to post the payment as an open payment, or leave the invoice empty.`,
      );
    const r = unwrap(posted);
    reply.header('hx-trigger', 'list-changed');
    // The payment's currency (the invoice's, else the customer's): the amounts say which it is.
    const code = r.payment['currencyCode'];
    const currency = typeof code === 'string' ? code : undefined;
    const outcome = r.invoiceNumber
      ? `, ${formatMoney(r.appliedAmount, currency)} applied to invoice ${r.invoiceNumber} (${r.invoicePaymentStatus === 'Complete' ? 'paid in full' : `${formatMoney(r.invoiceRemainingAmount, currency)} still open`})`
      : input.appliesToInvoiceNumber
        ? ` unapplied: invoice ${input.appliesToInvoiceNumber} is already paid in full, so the payment stays open on the customer`
        : ' (not applied to an invoice)';
    const message = `Payment ${String(r.payment['documentNumber'] ?? '')} of ${formatMoney(r.payment['amount'], currency)} posted${outcome}.`;
    return sendHtml(reply, <SuccessBanner message={message} />);
  });
  for (const [type, set] of [
    ['quote', 'salesQuoteArchives'],
    ['order', 'salesOrderArchives'],
  ] as const) {
    registerErpList(web, deps, {
      path: `/sales/archives/${type}s`,
      title: `Archived sales ${type}s`,
      set,
      orderby: 'archivedDateTime desc',
      searchHint: 'Document No.',
      columns: () => [
        field('No.', 'number'),
        field('Version', 'versionNumber', true),
        field('Customer No.', 'customerNumber'),
        field('Archived', 'archivedDateTime'),
        field('Archived by', 'archivedBy'),
        {
          header: 'Lines',
          value: (r) => (Array.isArray(r['lines']) ? r['lines'].length : ''),
          numeric: true,
        },
      ],
      above: () => (
        <p>
          <a href="/sales/archives/quotes">Quotes</a>
          {' · '}
          <a href="/sales/archives/orders">Orders</a>
        </p>
      ),
    });
  }
  web.get('/sales/setup', async (request, reply) => {
    const view = viewOf(request, auth);
    const setup = unwrap(await getSalesSetup(ctx.db));
    const admin = isAdmin(view.user);
    return sendHtml(
      reply,
      <Layout view={view} title="Sales setup">
        <Card title="Write-in products and archiving">
          <form class="stack" hx-post={admin ? '/sales/setup' : undefined} hx-target="#flash">
            <label for="writeInProductType">Write-in product type</label>
            <select id="writeInProductType" name="writeInProductType" disabled={!admin}>
              {['Item', 'Resource'].map((t) => (
                <option value={t} selected={setup['writeInProductType'] === t} safe>
                  {t}
                </option>
              ))}
            </select>
            <label for="writeInProductNumber">Write-in product No.</label>
            <input
              id="writeInProductNumber"
              name="writeInProductNumber"
              value={String(setup['writeInProductNumber'] ?? '')}
              disabled={!admin}
            />
            <span>
              <input
                type="checkbox"
                id="archiveQuotes"
                name="archiveQuotes"
                checked={setup['archiveQuotes'] === true}
                disabled={!admin}
              />
              <label for="archiveQuotes"> Archive quotes</label>
            </span>
            <span>
              <input
                type="checkbox"
                id="archiveOrders"
                name="archiveOrders"
                checked={setup['archiveOrders'] === true}
                disabled={!admin}
              />
              <label for="archiveOrders"> Archive orders</label>
            </span>
            {admin ? <button type="submit">Save the sales setup</button> : ''}
          </form>
        </Card>
        <Card title="Number series">
          <Fields
            fields={Object.entries(setup).filter(([k]) => k.endsWith('Nos')) as [string, unknown][]}
          />
        </Card>
      </Layout>,
    );
  });
  web.post('/sales/setup', { config: { roles: ['admin'] } }, async (request, reply) => {
    const input = parseInput(setupForm, request.body);
    unwrap(
      await updateSalesSetup(ctx.db, {
        ...input,
        writeInProductNumber: input.writeInProductNumber || null,
      }),
    );
    return sendHtml(reply, <SuccessBanner message="The sales setup is saved." />);
  });
}
