import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type ApiRecord, invoicePaymentStates, listEntityPage } from '../../erp/public-api.ts';
import { openOutbound } from '../../flows/outbound-context.ts';
import { createInvoicesInCrmByNumber } from '../../flows/posted-invoices/create-crm-invoices.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { agree, plural } from '../../shared/plural.ts';
import { couplingsByErpIds } from '../../sync/couplings/coupling-repo.ts';
import type { Coupling } from '../../sync/model.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { ErrorBanner, SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { type Column, DataList, Filters, SearchInput } from '../components/list.tsx';
import { many, parseInput } from '../form.ts';
import { moneyOf } from '../format.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { ERP_PAGE_SIZE } from './erp-list.tsx';

interface InvoiceRow {
  readonly invoice: ApiRecord;
  readonly paymentStatus: string | null;
  readonly coupling: Coupling | undefined;
}

const query = z.object({
  search: z.string().max(100).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});
const numbersForm = z.object({
  ids: many(z.string().min(1).max(20)).pipe(z.array(z.string()).max(1000)),
});

const money = moneyOf;

const COLUMNS: Column<InvoiceRow>[] = [
  { header: 'No.', value: (r) => r.invoice['number'] },
  { header: 'Customer No.', value: (r) => r.invoice['customerNumber'] },
  { header: 'Customer', value: (r) => r.invoice['customerName'] },
  { header: 'Posting date', value: (r) => r.invoice['postingDate'] },
  { header: 'Due date', value: (r) => r.invoice['dueDate'] },
  { header: 'Order No.', value: (r) => r.invoice['orderNumber'] },
  {
    header: 'Amount incl. tax',
    value: (r) => money(r.invoice, 'totalAmountIncludingTax'),
    numeric: true,
  },
  { header: 'Remaining', value: (r) => money(r.invoice, 'remainingAmount'), numeric: true },
  { header: 'Payment', value: (r) => r.paymentStatus },
  {
    header: 'In Dynamics 365 Sales',
    html: (r) =>
      r.coupling?.state === 'coupled' ? (
        <a href={`/crm/invoices/${r.coupling.crmId}`}>Yes</a>
      ) : (
        <span class="badge muted">No</span>
      ),
  },
];

/** Posted sales invoices with payment status, and *Create invoice in Dynamics 365 Sales*. */
export function registerPostedInvoicesPage(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  web.get('/sales/invoices', async (request, reply) => {
    const q = parseInput(query, request.query);
    const view = viewOf(request, auth);
    const page = unwrap(
      await listEntityPage(ctx.db, 'salesInvoices', {
        search: q.search,
        top: ERP_PAGE_SIZE,
        skip: (q.page - 1) * ERP_PAGE_SIZE,
        orderby: 'number desc',
      }),
    );
    const ids = page.rows.map((r) => r.id);
    const couplings = await couplingsByErpIds(ctx.db, 'salesInvoices', ids);
    const states = await invoicePaymentStates(ctx.db, ids);
    const stateOf = new Map((states.ok ? states.value : []).map((s) => [s.invoiceId, s.status]));
    const rows: InvoiceRow[] = page.rows.map((invoice) => ({
      invoice,
      paymentStatus: stateOf.get(invoice.id) ?? null,
      coupling: couplings.get(invoice.id),
    }));
    const writable = canWrite(view.user);
    return sendHtml(
      reply,
      <Layout view={view} title="Posted sales invoices">
        <Filters id="invoices-list" url="/sales/invoices">
          <SearchInput value={q.search} placeholder="No. or customer" />
        </Filters>
        <DataList
          id="invoices-list"
          url="/sales/invoices"
          caption="Posted sales invoices"
          query={{ search: q.search }}
          columns={COLUMNS}
          page={{ rows, total: page.total, page: q.page, pageSize: ERP_PAGE_SIZE }}
          select={writable ? (r) => String(r.invoice['number']) : undefined}
          actions={
            writable ? (
              <ActionBar label="Actions on the selected invoices">
                <button
                  type="button"
                  hx-post="/sales/invoices/createInCrm"
                  hx-include="#invoices-list-selection"
                  hx-target="#flash"
                >
                  Create invoice in Dynamics 365 Sales
                </button>
              </ActionBar>
            ) : undefined
          }
        />
      </Layout>,
    );
  });
  web.post('/sales/invoices/createInCrm', async (request, reply) => {
    const numbers = parseInput(numbersForm, request.body).ids;
    if (numbers.length === 0)
      throw new AppError('validation_failed', 'Select one or more invoices first');
    const o = unwrap(await openOutbound(ctx));
    const r = unwrap(await createInvoicesInCrmByNumber(o, numbers));
    const failed = r.results.filter((x) => x.outcome === 'failed' || x.outcome === 'notFound');
    reply.header('hx-trigger', 'list-changed');
    return sendHtml(
      reply,
      <>
        {r.created > 0 ? (
          <SuccessBanner
            message={`${plural(r.created, 'invoice')} created in Dynamics 365 Sales.`}
          />
        ) : (
          ''
        )}
        {r.alreadyCoupled > 0 ? (
          <WarningBanner
            message={`${plural(r.alreadyCoupled, 'invoice')} ${agree(r.alreadyCoupled, 'was', 'were')} already in Dynamics 365 Sales; nothing created for ${agree(r.alreadyCoupled, 'it', 'them')}.`}
          />
        ) : (
          ''
        )}
        {failed.length > 0 ? (
          <ErrorBanner
            title={`${plural(failed.length, 'invoice')} not created`}
            message={failed.map((x) => `${x.number}: ${x.message}`).join(' · ')}
          />
        ) : (
          ''
        )}
      </>,
    );
  });
}
