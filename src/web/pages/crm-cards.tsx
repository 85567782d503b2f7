import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DataverseClient } from '../../dataverse/index.ts';
import { SuccessBanner } from '../components/banner.tsx';
import { Card, Fields } from '../components/card.tsx';
import { StaticList } from '../components/list.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, type View, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { crmClient, crmMust, label } from './crm-client.ts';
import { DocumentCard, fieldsOf, one } from './crm-document-card.tsx';
import { crmRows } from './crm-view.tsx';

type Row = Record<string, unknown>;
const guid = z.guid('That is not a record id');

/**
 * Actions that open another card say what they did there: the card is loaded as a full page
 * (its navigation is complete) and names the outcome in the address, `?done=<key>`.
 */
const ARRIVALS: Record<string, string> = {
  'order-created': 'The order is created.',
  'quote-created': 'The quote is created.',
  'quote-revised': 'A new revision of the quote is open as a draft.',
};
const arrival = (query: unknown): JSX.Element | string => {
  const done = (query as { done?: unknown } | undefined)?.done;
  const message = typeof done === 'string' ? ARRIVALS[done] : undefined;
  return message ? <SuccessBanner message={message} /> : '';
};

const newDocument = z.object({
  kind: z.enum(['salesorder', 'quote']),
  name: z.string().trim().min(1, 'Give the document a name').max(300),
  product: z.guid('Choose a product'),
  quantity: z.coerce
    .number({ error: 'The quantity must be a number' })
    .positive('The quantity must be more than 0'),
  price: z
    .string()
    .trim()
    .regex(/^(\d+(\.\d{1,4})?)?$/, 'The price must be a number, e.g. 12.50')
    .optional(),
});

/** The new order/quote form on an account: one product line, as a salesperson would start. */
function NewDocumentForm(props: { accountId: string; products: Row[] }) {
  return (
    <form
      class="stack wide"
      hx-post={`/crm/accounts/${props.accountId}/documents`}
      hx-target="#flash"
    >
      <label for="doc-kind">New</label>
      <select id="doc-kind" name="kind">
        <option value="salesorder">Order</option>
        <option value="quote">Quote</option>
      </select>
      <label for="doc-name">Name</label>
      <input id="doc-name" name="name" required />
      <label for="doc-product">Product</label>
      <select id="doc-product" name="product" required>
        {props.products.map((p) => (
          <option value={String(p['productid'])} safe>
            {`${String(p['productnumber'] ?? '')} ${String(p['name'] ?? '')}`}
          </option>
        ))}
      </select>
      <label for="doc-quantity">Quantity</label>
      <input id="doc-quantity" name="quantity" required inputmode="decimal" value="1" />
      <label for="doc-price">Price per unit (empty: from the price list)</label>
      <input id="doc-price" name="price" inputmode="decimal" />
      <button type="submit" class="primary">
        Create
      </button>
    </form>
  );
}

async function AccountCard(props: { client: DataverseClient; id: string; view: View }) {
  const { client, id } = props;
  const a = await one(client, 'accounts', id, 'read the account');
  const statsId = a['_nav_accountstatisticsid_value'];
  const stats =
    typeof statsId === 'string'
      ? await one(client, 'nav_accountstatisticses', statsId, 'read the account statistics')
      : undefined;
  const orders = await crmRows(client, 'salesorders', {
    select: ['salesorderid', 'ordernumber', 'name', 'statecode', 'totalamount'],
    filter: `_customerid_value eq ${id}`,
  });
  const products = canWrite(props.view.user)
    ? await crmRows(client, 'products', {
        select: ['productid', 'name', 'productnumber'],
        filter: 'statecode eq 0',
        orderby: 'productnumber',
        top: 500,
      })
    : [];
  return (
    <div class="grid">
      <Card title="Account">
        <Fields
          fields={fieldsOf(a, [
            ['Name', 'name'],
            ['Account number', 'accountnumber'],
            ['City', 'address1_city'],
            ['Phone', 'telephone1'],
            ['Email', 'emailaddress1'],
            ['Owner', '_ownerid_value'],
            ['Currency', '_transactioncurrencyid_value'],
            ['Payment terms', 'paymenttermscode'],
          ])}
        />
      </Card>
      <Card title="Business Central statistics" id="crm-statistics">
        {stats ? (
          <Fields
            fields={fieldsOf(stats, [
              ['Balance', 'nav_balancelcy'],
              ['Outstanding orders', 'nav_outstandingorderslcy'],
              ['Shipped not invoiced', 'nav_shippednotinvoicedlcy'],
              ['Outstanding invoices', 'nav_outstandinginvoiceslcy'],
              ['Total', 'nav_totallcy'],
              ['Overdue amounts', 'nav_overdueamountslcy'],
              ['Overdue as of', 'nav_overdueamountsasof'],
              ['Total sales', 'nav_totalsaleslcy'],
              ['Credit limit', 'nav_creditlimitlcy'],
            ])}
          />
        ) : (
          <p class="hint">No statistics sent from the ERP yet.</p>
        )}
      </Card>
      <Card title="Orders">
        <StaticList
          id="account-orders"
          caption="Orders of the account"
          columns={[
            {
              header: 'Order ID',
              html: (r) => (
                <a href={`/crm/orders/${String(r['salesorderid'])}`} safe>
                  {String(r['ordernumber'] ?? '')}
                </a>
              ),
            },
            { header: 'Name', value: (r) => r['name'] },
            { header: 'Status', value: (r) => label(r, 'statecode') },
            { header: 'Total', value: (r) => label(r, 'totalamount'), numeric: true },
          ]}
          rows={orders}
          empty="No orders."
        />
      </Card>
      {products.length > 0 ? (
        <Card title="New order or quote">
          <NewDocumentForm accountId={id} products={products} />
        </Card>
      ) : (
        ''
      )}
    </div>
  );
}

/** Cards of accounts, orders (with timeline posts), quotes and invoices, and the salesperson's actions. */
export function registerCrmCards(web: FastifyInstance, deps: WebDeps): void {
  web.get<{ Params: { id: string } }>('/crm/accounts/:id', async (request, reply) => {
    const id = parseInput(guid, request.params.id);
    const view = viewOf(request, deps.auth);
    const client = await crmClient(deps);
    return sendHtml(
      reply,
      <Layout view={view} title="Account – Dynamics 365 Sales">
        <p>
          <a href="/crm/accounts">← Accounts</a>
        </p>
        <AccountCard client={client} id={id} view={view} />
      </Layout>,
    );
  });
  for (const [path, entity, title] of [
    ['/crm/orders', 'salesorder', 'Order'],
    ['/crm/quotes', 'quote', 'Quote'],
    ['/crm/invoices', 'invoice', 'Invoice'],
  ] as const) {
    web.get<{ Params: { id: string } }>(`${path}/:id`, async (request, reply) => {
      const id = parseInput(guid, request.params.id);
      const view = viewOf(request, deps.auth);
      const client = await crmClient(deps);
      return sendHtml(
        reply,
        <Layout view={view} title={`${title} – Dynamics 365 Sales`} flash={arrival(request.query)}>
          <p>
            <a href={path}>{`← ${title}s`}</a>
          </p>
          <div
            hx-get={`${path}/${id}`}
            hx-trigger="doc-changed from:body"
            hx-select="#crm-document"
            hx-target="#crm-document"
            hx-swap="outerHTML"
            hx-disinherit="*"
          >
            <DocumentCard client={client} entity={entity} id={id} view={view} />
          </div>
        </Layout>,
      );
    });
  }
  const act = (
    url: string,
    run: (client: DataverseClient, id: string) => Promise<{ message: string; redirect?: string }>,
  ) =>
    web.post<{ Params: { id: string } }>(url, async (request, reply) => {
      const id = parseInput(guid, request.params.id);
      const r = await run(await crmClient(deps), id);
      // A full page load, not an htmx swap: the new card gets the whole navigation.
      if (r.redirect) reply.header('hx-redirect', r.redirect);
      else reply.header('hx-trigger', 'doc-changed, list-changed');
      return sendHtml(reply, <SuccessBanner message={r.message} />);
    });
  act('/crm/orders/:id/submit', async (client, id) => {
    crmMust(
      await client.update('salesorders', id, { statecode: 1, statuscode: 3 }),
      'submit the order',
    );
    return { message: 'The order is submitted to the back office.' };
  });
  act('/crm/quotes/:id/activate', async (client, id) => {
    crmMust(
      await client.update('quotes', id, { statecode: 1, statuscode: 2 }),
      'activate the quote',
    );
    return { message: 'The quote is active.' };
  });
  act('/crm/quotes/:id/win', async (client, id) => {
    crmMust(
      await client.callAction('WinQuote', {
        QuoteClose: { subject: 'Won', 'quoteid@odata.bind': `/quotes(${id})` },
        Status: 4,
      }),
      'close the quote as won',
    );
    return { message: 'The quote is closed as won.' };
  });
  act('/crm/quotes/:id/revise', async (client, id) => {
    const revised = crmMust(
      await client.callAction<Row>('ReviseQuote', { QuoteId: id, ColumnSet: { AllColumns: true } }),
      'revise the quote',
    );
    const newId = revised?.['quoteid'];
    return typeof newId === 'string'
      ? {
          message: 'A new revision of the quote is open as a draft.',
          redirect: `/crm/quotes/${newId}?done=quote-revised`,
        }
      : { message: 'The quote is revised.' };
  });
  web.post<{ Params: { id: string } }>('/crm/accounts/:id/documents', async (request, reply) => {
    const accountId = parseInput(guid, request.params.id);
    const input = parseInput(newDocument, request.body);
    const client = await crmClient(deps);
    const set = input.kind === 'salesorder' ? 'salesorders' : 'quotes';
    const created = crmMust(
      await client.create(set, {
        name: input.name,
        'customerid_account@odata.bind': `/accounts(${accountId})`,
      }),
      `create the ${input.kind === 'salesorder' ? 'order' : 'quote'}`,
    );
    crmMust(
      await client.create(`${input.kind}details`, {
        [`${input.kind}id@odata.bind`]: `/${set}(${created.id})`,
        'productid@odata.bind': `/products(${input.product})`,
        quantity: input.quantity,
        ...(input.price ? { ispriceoverridden: true, priceperunit: Number(input.price) } : {}),
      }),
      'add the line',
    );
    const path = input.kind === 'salesorder' ? '/crm/orders' : '/crm/quotes';
    const done = input.kind === 'salesorder' ? 'order-created' : 'quote-created';
    reply.header('hx-redirect', `${path}/${created.id}?done=${done}`);
    return sendHtml(
      reply,
      <SuccessBanner
        message={`The ${input.kind === 'salesorder' ? 'order' : 'quote'} is created.`}
      />,
    );
  });
}
