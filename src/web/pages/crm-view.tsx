import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DataverseClient } from '../../dataverse/index.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { Card, Fields } from '../components/card.tsx';
import { type Column, DataList, Filters, type ListPage, SearchInput } from '../components/list.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, type View, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { crmClient, crmMust, FORMATTED, label } from './crm-client.ts';

type Row = Record<string, unknown>;
const TOP = 50;

const listQuery = z.object({
  search: z.string().max(100).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});
const guid = z.guid('That is not a record id');
const quoted = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One CRM table shown as a list: columns, the name column searched, the card path. */
interface CrmTable {
  readonly path: string;
  readonly title: string;
  readonly set: string;
  readonly key: string;
  readonly nameColumn: string;
  readonly select: readonly string[];
  readonly columns: (view: View) => Column<Row>[];
}

const text = (header: string, column: string, numeric = false): Column<Row> => ({
  header,
  value: (r) => label(r, column),
  numeric,
});
const link = (header: string, path: string, key: string, column: string): Column<Row> => ({
  header,
  html: (r) => (
    <a href={`${path}/${String(r[key])}`} safe>
      {String(r[column] ?? '') || '(no name)'}
    </a>
  ),
});

export const CRM_TABLES: readonly CrmTable[] = [
  {
    path: '/crm/accounts',
    title: 'Accounts',
    set: 'accounts',
    key: 'accountid',
    nameColumn: 'name',
    select: [
      'name',
      'accountnumber',
      'address1_city',
      'telephone1',
      '_transactioncurrencyid_value',
    ],
    columns: () => [
      link('Account name', '/crm/accounts', 'accountid', 'name'),
      text('Account number', 'accountnumber'),
      text('City', 'address1_city'),
      text('Phone', 'telephone1'),
      text('Currency', '_transactioncurrencyid_value'),
    ],
  },
  {
    path: '/crm/orders',
    title: 'Orders',
    set: 'salesorders',
    key: 'salesorderid',
    nameColumn: 'name',
    select: ['name', 'ordernumber', '_customerid_value', 'statecode', 'statuscode', 'totalamount'],
    columns: () => [
      link('Order ID', '/crm/orders', 'salesorderid', 'ordernumber'),
      text('Name', 'name'),
      text('Customer', '_customerid_value'),
      text('Status', 'statecode'),
      text('Status reason', 'statuscode'),
      text('Total amount', 'totalamount', true),
    ],
  },
  {
    path: '/crm/quotes',
    title: 'Quotes',
    set: 'quotes',
    key: 'quoteid',
    nameColumn: 'name',
    select: [
      'name',
      'quotenumber',
      'revisionnumber',
      '_customerid_value',
      'statecode',
      'statuscode',
      'totalamount',
    ],
    columns: () => [
      link('Quote ID', '/crm/quotes', 'quoteid', 'quotenumber'),
      text('Revision', 'revisionnumber', true),
      text('Name', 'name'),
      text('Customer', '_customerid_value'),
      text('Status', 'statecode'),
      text('Status reason', 'statuscode'),
      text('Total amount', 'totalamount', true),
    ],
  },
  {
    path: '/crm/invoices',
    title: 'Invoices',
    set: 'invoices',
    key: 'invoiceid',
    nameColumn: 'name',
    select: [
      'name',
      'invoicenumber',
      '_customerid_value',
      'statecode',
      'statuscode',
      'totalamount',
      'duedate',
    ],
    columns: () => [
      link('Invoice ID', '/crm/invoices', 'invoiceid', 'invoicenumber'),
      text('Name', 'name'),
      text('Customer', '_customerid_value'),
      text('Status', 'statecode'),
      text('Status reason', 'statuscode'),
      text('Due date', 'duedate'),
      text('Total amount', 'totalamount', true),
    ],
  },
];

/** Reads rows of a CRM table with the labels of option sets and lookups. */
export async function crmRows(
  client: DataverseClient,
  set: string,
  query: { select: readonly string[]; filter?: string; orderby?: string; top?: number },
): Promise<Row[]> {
  const page = crmMust(
    await client.retrieveMultiple<Row>(set, {
      select: query.select,
      ...(query.filter ? { filter: query.filter } : {}),
      orderby: query.orderby ?? 'createdon desc',
      top: query.top ?? TOP,
      annotations: FORMATTED,
    }),
    `list ${set}`,
  );
  return page.value;
}

/**
 * Page `page` of a CRM list the way Dataverse pages (it has no `$skip`): `Prefer:
 * odata.maxpagesize` and `@odata.nextLink` followed to the page asked for, the pages before it
 * read without annotations; the total is `@odata.count` (`$count=true`, which Dataverse caps at
 * 5,000). A page past the end is empty.
 */
async function crmListPage(
  client: DataverseClient,
  set: string,
  query: { select: readonly string[]; filter?: string; orderby?: string },
  page: number,
): Promise<ListPage<Row>> {
  const first = crmMust(
    await client.retrieveMultiple<Row>(set, {
      select: query.select,
      ...(query.filter ? { filter: query.filter } : {}),
      orderby: query.orderby ?? 'createdon desc',
      count: true,
      pageSize: TOP,
      ...(page === 1 ? { annotations: FORMATTED } : {}),
    }),
    `list ${set}`,
  );
  let current = first;
  for (let n = 2; n <= page; n++) {
    if (!current.nextLink) return { rows: [], total: first.count ?? 0, page, pageSize: TOP };
    current = crmMust(
      await client.retrieveNextPage<Row>(current.nextLink, {
        pageSize: TOP,
        ...(n === page ? { annotations: FORMATTED } : {}),
      }),
      `list ${set}`,
    );
  }
  return { rows: current.value, total: first.count ?? current.value.length, page, pageSize: TOP };
}

/** Lists of accounts, orders, quotes and invoices in Dynamics 365 Sales (newest first). */
export function registerCrmLists(web: FastifyInstance, deps: WebDeps): void {
  for (const table of CRM_TABLES) {
    web.get(table.path, async (request, reply) => {
      const view = viewOf(request, deps.auth);
      const q = parseInput(listQuery, request.query);
      const client = await crmClient(deps);
      const page = await crmListPage(
        client,
        table.set,
        {
          select: [table.key, ...table.select],
          ...(q.search ? { filter: `contains(${table.nameColumn},${quoted(q.search)})` } : {}),
        },
        q.page,
      );
      const id = `${table.set}-list`;
      return sendHtml(
        reply,
        <Layout view={view} title={`${table.title} – Dynamics 365 Sales`}>
          <p class="hint">
            What a salesperson sees in Dynamics 365 Sales (the bundled emulator), newest first.
          </p>
          <Filters id={id} url={table.path}>
            <SearchInput value={q.search} placeholder="Name" />
          </Filters>
          <DataList
            id={id}
            url={table.path}
            caption={table.title}
            query={{ search: q.search }}
            columns={table.columns(view)}
            page={page}
            empty={`No ${table.title.toLowerCase()} in Dynamics 365 Sales match.`}
          />
        </Layout>,
      );
    });
  }
}

/** The salesperson's document actions by state (the CRM's own rules decide in the end). */
export function CrmDocumentActions(props: {
  entity: 'salesorder' | 'quote';
  row: Row;
  view: View;
}) {
  if (!canWrite(props.view.user)) return '';
  const state = Number(props.row['statecode']);
  const id = String(props.row[`${props.entity}id`]);
  const post = { 'hx-target': '#flash' };
  if (props.entity === 'salesorder') {
    return state === 0 ? (
      <ActionBar label="Order actions">
        <button type="button" class="primary" hx-post={`/crm/orders/${id}/submit`} {...post}>
          Submit order
        </button>
      </ActionBar>
    ) : (
      ''
    );
  }
  return (
    <ActionBar label="Quote actions">
      {state === 0 ? (
        <button type="button" class="primary" hx-post={`/crm/quotes/${id}/activate`} {...post}>
          Activate quote
        </button>
      ) : (
        ''
      )}
      {state === 1 ? (
        <>
          <button type="button" hx-post={`/crm/quotes/${id}/revise`} {...post}>
            Revise
          </button>
          <button type="button" class="primary" hx-post={`/crm/quotes/${id}/win`} {...post}>
            Close as won
          </button>
        </>
      ) : (
        ''
      )}
    </ActionBar>
  );
}

export { Card, Fields, guid };
