import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  type CrmQuoteView,
  listCrmQuotes,
  processQuotesInErp,
} from '../../flows/quotes/quote-pickup.ts';
import {
  type CrmSalesOrderView,
  createOrdersInErp,
  listCrmSalesOrders,
} from '../../flows/sales-orders/order-pickup.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { ErrorBanner, SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { type Column, DataList, onePage } from '../components/list.tsx';
import { many, parseInput } from '../form.ts';
import { formatMoney } from '../format.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, type View, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';

const stateQuery = z.object({ state: z.enum(['open', 'all']).default('open') });
const idsForm = z.object({ ids: many(z.guid()).pipe(z.array(z.guid()).max(200)) });
const selected = (ids: string[]) => {
  if (ids.length === 0) throw new AppError('validation_failed', 'Select one or more records first');
  return ids;
};

const ERP_STATUS = {
  created: 'Created',
  processed: 'Processed',
  refused: 'Refused',
  waiting: 'Waiting',
};

function ErpCell(props: {
  status: 'created' | 'processed' | 'refused' | 'waiting';
  doc: { id: string; number: string; status: string } | null;
  error: { message: string } | null;
  path: string;
}) {
  if (props.doc)
    return (
      <a href={`${props.path}/${props.doc.id}`} safe>
        {`${props.doc.number} (${props.doc.status})`}
      </a>
    );
  if (props.error)
    return (
      <span class="badge bad" title={props.error.message} safe>
        {`Refused: ${props.error.message}`}
      </span>
    );
  return (
    <span class="badge muted" safe>
      {ERP_STATUS[props.status]}
    </span>
  );
}

const ORDER_COLUMNS: Column<CrmSalesOrderView>[] = [
  { header: 'Order No.', value: (o) => o.orderNumber },
  { header: 'Name', value: (o) => o.name },
  { header: 'Account', value: (o) => o.customerName },
  { header: 'State', value: (o) => o.state },
  { header: 'Total', value: (o) => formatMoney(o.totalAmount), numeric: true },
  { header: 'Back office submit', value: (o) => o.lastBackOfficeSubmit },
  {
    header: 'ERP sales order',
    html: (o) => (
      <ErpCell status={o.erpStatus} doc={o.erpOrder} error={o.error} path="/sales/orders" />
    ),
  },
];

const QUOTE_COLUMNS: Column<CrmQuoteView>[] = [
  { header: 'Quote No.', value: (q) => q.quoteNumber },
  { header: 'Revision', value: (q) => q.revision, numeric: true },
  { header: 'Name', value: (q) => q.name },
  { header: 'Account', value: (q) => q.customerName },
  { header: 'State', value: (q) => `${q.state} (${q.statusReason})` },
  { header: 'Total', value: (q) => formatMoney(q.totalAmount), numeric: true },
  {
    header: 'ERP sales quote',
    html: (q) => (
      <ErpCell status={q.erpStatus} doc={q.erpQuote} error={q.error} path="/sales/quotes" />
    ),
  },
];

/** The outcome of *Create in ERP* / *Process in ERP*, one line per document. */
function PickupResult(props: {
  done: number;
  refused: number;
  unchanged: number;
  lines: string[];
  problems: string[];
  verb: string;
}) {
  return (
    <>
      {props.done > 0 ? (
        <SuccessBanner message={`${props.done} ${props.verb}. ${props.lines.join(' ')}`} />
      ) : (
        ''
      )}
      {props.unchanged > 0 ? (
        <WarningBanner
          message={`${props.unchanged} already done before; nothing changed for them.`}
        />
      ) : (
        ''
      )}
      {props.refused > 0 ? (
        <ErrorBanner
          title={`${props.refused} refused by the ERP`}
          message={props.problems.join(' · ')}
        />
      ) : (
        ''
      )}
    </>
  );
}

/**
 * A pickup list: the CRM documents on one page, filter links above, and for those who may write a
 * selection with the one action that brings them into the ERP.
 */
function PickupPage<Row extends { crmId: string }>(props: {
  view: View;
  title: string;
  url: string;
  /** The two filters: the open documents and all of them. */
  filters: readonly [open: string, all: string];
  state: 'open' | 'all';
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  empty: string;
  action: { label: string; post: string; button: string };
}) {
  const id = props.url.slice(props.url.lastIndexOf('/') + 1);
  const writable = canWrite(props.view.user);
  return (
    <Layout view={props.view} title={props.title}>
      <p>
        <a href={props.url} safe>
          {props.filters[0]}
        </a>
        {' · '}
        <a href={`${props.url}?state=all`} safe>
          {props.filters[1]}
        </a>
      </p>
      <DataList
        id={id}
        url={props.url}
        caption={props.caption}
        query={{ state: props.state === 'all' ? 'all' : undefined }}
        columns={props.columns}
        page={onePage(props.rows)}
        select={writable ? (r) => r.crmId : undefined}
        empty={props.empty}
        actions={
          writable ? (
            <ActionBar label={props.action.label}>
              <button
                type="button"
                class="primary"
                hx-post={props.action.post}
                hx-include={`#${id}-selection`}
                hx-target="#flash"
                safe
              >
                {props.action.button}
              </button>
            </ActionBar>
          ) : undefined
        }
      />
    </Layout>
  );
}

/** Submitted CRM orders (*Create in ERP*) and CRM quotes (*Process in ERP*). */
export function registerCrmPickupPages(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  web.get('/sales/crm-orders', async (request, reply) => {
    const view = viewOf(request, auth);
    const q = parseInput(stateQuery, request.query);
    const orders = unwrap(
      await listCrmSalesOrders(ctx, { state: q.state === 'all' ? 'all' : 'submitted' }),
    );
    return sendHtml(
      reply,
      <PickupPage
        view={view}
        title="Sales orders – Dynamics 365 Sales"
        url="/sales/crm-orders"
        filters={['Submitted', 'All but canceled']}
        state={q.state}
        caption="Sales orders in Dynamics 365 Sales"
        columns={ORDER_COLUMNS}
        rows={orders}
        empty="No submitted sales orders in Dynamics 365 Sales."
        action={{
          label: 'Actions on the selected orders',
          post: '/sales/crm-orders/createInErp',
          button: 'Create in ERP',
        }}
      />,
    );
  });
  web.post('/sales/crm-orders/createInErp', async (request, reply) => {
    const ids = selected(parseInput(idsForm, request.body).ids);
    const r = unwrap(await createOrdersInErp(ctx, ids));
    reply.header('hx-trigger', 'list-changed');
    return sendHtml(
      reply,
      <PickupResult
        done={r.created}
        refused={r.refused}
        unchanged={r.unchanged}
        verb={
          r.created === 1 ? 'sales order created in the ERP' : 'sales orders created in the ERP'
        }
        lines={r.results.flatMap((x) => (x.ok && x.outcome === 'created' ? [x.message] : []))}
        problems={r.results.flatMap((x) => (x.ok ? [] : [`${x.crmId}: ${x.error.message}`]))}
      />,
    );
  });
  web.get('/sales/crm-quotes', async (request, reply) => {
    const view = viewOf(request, auth);
    const q = parseInput(stateQuery, request.query);
    const quotes = unwrap(await listCrmQuotes(ctx, { state: q.state }));
    return sendHtml(
      reply,
      <PickupPage
        view={view}
        title="Sales quotes – Dynamics 365 Sales"
        url="/sales/crm-quotes"
        filters={['Active and won', 'All']}
        state={q.state}
        caption="Quotes in Dynamics 365 Sales"
        columns={QUOTE_COLUMNS}
        rows={quotes}
        empty="No active or won quotes in Dynamics 365 Sales."
        action={{
          label: 'Actions on the selected quotes',
          post: '/sales/crm-quotes/processInErp',
          button: 'Process in ERP',
        }}
      />,
    );
  });
  web.post('/sales/crm-quotes/processInErp', async (request, reply) => {
    const ids = selected(parseInput(idsForm, request.body).ids);
    const r = unwrap(await processQuotesInErp(ctx, ids));
    reply.header('hx-trigger', 'list-changed');
    const done = r.results.filter((x) => x.ok && x.outcome !== 'unchanged');
    return sendHtml(
      reply,
      <PickupResult
        done={done.length}
        refused={r.refused}
        unchanged={r.unchanged}
        verb={done.length === 1 ? 'quote processed in the ERP' : 'quotes processed in the ERP'}
        lines={done.flatMap((x) => (x.ok ? [x.message] : []))}
        problems={r.results.flatMap((x) => (x.ok ? [] : [`${x.crmId}: ${x.error.message}`]))}
      />,
    );
  });
}
