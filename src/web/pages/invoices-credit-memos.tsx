import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  type ApiRecord,
  createSalesDocument,
  getEntity,
  postSalesDocument,
  unapplyCreditMemo,
} from '../../erp/public-api.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { SuccessBanner } from '../components/banner.tsx';
import { Card } from '../components/card.tsx';
import type { Column } from '../components/list.tsx';
import { parseInput } from '../form.ts';
import { formatMoney, moneyOf } from '../format.ts';
import { sendHtml, type View } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { field, registerErpList } from './erp-list.tsx';

const money = (name: string) => (r: ApiRecord) => moneyOf(r, name);

const decimal = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,5})?$/, `Enter the ${what} as a number, e.g. 2 or 12.50`);

/** One line is enough to try a document here; more lines are added over the API. */
const documentForm = z.object({
  customerNumber: z.string().trim().min(1, 'Enter the customer number').max(20),
  lineType: z.enum(['Item', 'Resource']),
  lineObjectNumber: z.string().trim().min(1, 'Enter the item or resource number').max(20),
  quantity: decimal('quantity'),
  unitPrice: z.union([z.literal(''), decimal('unit price')]).optional(),
  invoiceNumber: z.string().trim().max(20).optional(),
});

function DocumentForm(props: { action: string; button: string; creditMemo?: boolean }) {
  const id = (name: string) => `${props.creditMemo ? 'cm' : 'inv'}-${name}`;
  return (
    <form class="inline-form" hx-post={props.action} hx-target="#flash">
      <label for={id('customerNumber')}>Customer No.</label>
      <input id={id('customerNumber')} name="customerNumber" required class="narrow" />
      {props.creditMemo ? (
        <>
          <label for={id('invoiceNumber')}>Applies to invoice No. (optional)</label>
          <input id={id('invoiceNumber')} name="invoiceNumber" class="narrow" />
        </>
      ) : (
        ''
      )}
      <label for={id('lineType')}>Type</label>
      <select id={id('lineType')} name="lineType">
        <option value="Item">Item</option>
        <option value="Resource">Resource</option>
      </select>
      <label for={id('lineObjectNumber')}>No.</label>
      <input id={id('lineObjectNumber')} name="lineObjectNumber" required class="narrow" />
      <label for={id('quantity')}>Quantity</label>
      <input id={id('quantity')} name="quantity" required inputmode="decimal" class="narrow" />
      <label for={id('unitPrice')}>Unit price (optional)</label>
      <input id={id('unitPrice')} name="unitPrice" inputmode="decimal" class="narrow" />
      <button type="submit">{props.button}</button>
    </form>
  );
}

function actionButton(path: string, label: string, confirm: string): JSX.Element {
  return (
    <button type="button" hx-post={path} hx-target="#flash" hx-confirm={confirm}>
      {label}
    </button>
  );
}

/**
 * Unposted sales invoices and sales credit memos (BC's *Sales Invoices* and *Sales Credit
 * Memos*): create one with a line, post it, and undo a posted credit memo's application.
 */
export function registerInvoiceCreditMemoPages(web: FastifyInstance, deps: WebDeps): void {
  const { ctx } = deps;
  const actions = (view: View, html: (r: ApiRecord) => JSX.Element): Column<ApiRecord>[] =>
    canWrite(view.user) ? [{ header: 'Actions', html }] : [];

  registerErpList(web, deps, {
    path: '/sales/draft-invoices',
    title: 'Sales invoices (unposted)',
    set: 'draftSalesInvoices',
    orderby: 'number desc',
    searchHint: 'No.',
    columns: (view) => [
      field('No.', 'number'),
      field('Customer No.', 'customerNumber'),
      field('Customer', 'customerName'),
      field('Invoice date', 'invoiceDate'),
      { header: 'Amount incl. tax', value: money('totalAmountIncludingTax'), numeric: true },
      ...actions(view, (r) =>
        actionButton(
          `/sales/draft-invoices/${r.id}/post`,
          'Post',
          `Post invoice ${String(r['number'])}?`,
        ),
      ),
    ],
    above: (view) =>
      canWrite(view.user) ? (
        <Card title="Create an invoice">
          <p>
            Unposted invoices count in the customer's statistics as outstanding invoices; posted,
            they are in <a href="/sales/invoices">Posted invoices</a>.
          </p>
          <DocumentForm action="/sales/draft-invoices" button="Create invoice" />
        </Card>
      ) : (
        <p>Unposted invoices count in the customer's statistics as outstanding invoices.</p>
      ),
  });

  registerErpList(web, deps, {
    path: '/sales/credit-memos',
    title: 'Sales credit memos',
    set: 'salesCreditMemos',
    orderby: 'lastModifiedDateTime desc',
    searchHint: 'No.',
    columns: (view) => [
      field('No.', 'number'),
      field('Status', 'status'),
      field('Customer No.', 'customerNumber'),
      field('Applies to invoice', 'invoiceNumber'),
      { header: 'Amount incl. tax', value: money('totalAmountIncludingTax'), numeric: true },
      { header: 'Not applied', value: money('remainingAmount'), numeric: true },
      ...actions(view, (r) =>
        r['status'] === 'Draft'
          ? actionButton(
              `/sales/credit-memos/${r.id}/post`,
              'Post',
              `Post credit memo ${String(r['number'])}?`,
            )
          : r['invoiceNumber'] && r['remainingAmount'] !== r['totalAmountIncludingTax']
            ? actionButton(
                `/sales/credit-memos/${r.id}/unapply`,
                'Unapply',
                `Undo the application of credit memo ${String(r['number'])} to invoice ${String(r['invoiceNumber'])}?`,
              )
            : ((<span />) as JSX.Element),
      ),
    ],
    above: (view) =>
      canWrite(view.user) ? (
        <Card title="Create a credit memo">
          <p>
            Posted, a credit memo that applies to an invoice lowers what is left to pay on it, as a
            payment does: the CRM invoice turns Paid (Partial or Complete).
          </p>
          <DocumentForm action="/sales/credit-memos" button="Create credit memo" creditMemo />
        </Card>
      ) : (
        ''
      ),
  });

  for (const [path, type, noun] of [
    ['/sales/draft-invoices', 'Invoice', 'Invoice'],
    ['/sales/credit-memos', 'Credit Memo', 'Credit memo'],
  ] as const) {
    web.post(path, async (request, reply) => {
      const input = parseInput(documentForm, request.body);
      const doc = unwrap(
        await createSalesDocument(
          ctx.db,
          {
            documentType: type,
            header: {
              customerNumber: input.customerNumber,
              ...(type === 'Credit Memo' && input.invoiceNumber
                ? { invoiceNumber: input.invoiceNumber }
                : {}),
            },
            lines: [
              {
                lineType: input.lineType,
                lineObjectNumber: input.lineObjectNumber,
                quantity: input.quantity,
                ...(input.unitPrice ? { unitPrice: input.unitPrice } : {}),
              },
            ],
          },
          ctx.clock,
        ),
      );
      reply.header('hx-trigger', 'list-changed');
      return sendHtml(
        reply,
        <SuccessBanner
          message={`${noun} ${String(doc['number'])} of ${money('totalAmountIncludingTax')(doc)} is created (not posted yet).`}
        />,
      );
    });
    web.post<{ Params: { id: string } }>(`${path}/:id/post`, async (request, reply) => {
      const id = parseInput(z.guid('That is not a document id'), request.params.id);
      const r = unwrap(await postSalesDocument(ctx.db, type, id, {}, ctx.clock));
      reply.header('hx-trigger', 'list-changed');
      const applied = r.invoiceNumber
        ? `, ${formatMoney(r.appliedAmount)} applied to invoice ${r.invoiceNumber} (${r.invoicePaymentStatus === 'Complete' ? 'nothing left to pay' : `${formatMoney(r.invoiceRemainingAmount)} still open`})`
        : '';
      return sendHtml(
        reply,
        <SuccessBanner message={`${noun} ${r.draftNumber} is posted as ${r.number}${applied}.`} />,
      );
    });
  }
  web.post<{ Params: { id: string } }>(
    '/sales/credit-memos/:id/unapply',
    async (request, reply) => {
      const id = parseInput(z.guid('That is not a document id'), request.params.id);
      const memo = unwrap(await getEntity(ctx.db, 'salesCreditMemos', id));
      if (memo['status'] === 'Draft')
        throw new AppError(
          'nothing_to_unapply',
          `Credit memo ${String(memo['number'])} is not posted`,
        );
      const r = unwrap(
        await unapplyCreditMemo(ctx.db, { creditMemoNumber: String(memo['number']) }, ctx.clock),
      );
      reply.header('hx-trigger', 'list-changed');
      return sendHtml(
        reply,
        <SuccessBanner
          message={`The application of credit memo ${r.creditMemoNumber} is undone: ${r.invoices.map((i) => `invoice ${i.invoiceNumber} has ${formatMoney(i.remainingAmount)} open again`).join(', ')}.`}
        />,
      );
    },
  );
}
