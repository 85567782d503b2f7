import type { DataverseClient } from '../../dataverse/index.ts';
import { Card, Fields } from '../components/card.tsx';
import { type Column, StaticList } from '../components/list.tsx';
import type { View } from '../view.ts';
import { crmMust, FORMATTED, label } from './crm-client.ts';
import { CrmDocumentActions, crmRows } from './crm-view.tsx';

type Row = Record<string, unknown>;

/** One CRM row with formatted values, or the page's error naming what it was doing. */
export async function one(
  client: DataverseClient,
  set: string,
  id: string,
  doing: string,
): Promise<Row> {
  return crmMust(await client.retrieve<Row>(set, id, { annotations: FORMATTED }), doing);
}

/** Title/value pairs of a card from (title, column) pairs, as the CRM formats them. */
export const fieldsOf = (row: Row, names: readonly [string, string][]) =>
  names.map(([title, column]) => [title, label(row, column)] as [string, unknown]);

const LINE_COLUMNS: Column<Row>[] = [
  {
    header: 'Product',
    value: (r) => label(r, '_productid_value') || label(r, 'productdescription'),
  },
  { header: 'Quantity', value: (r) => label(r, 'quantity'), numeric: true },
  { header: 'Price per unit', value: (r) => label(r, 'priceperunit'), numeric: true },
  { header: 'Amount', value: (r) => label(r, 'extendedamount'), numeric: true },
];

function Lines(props: { rows: Row[] }) {
  return (
    <StaticList
      id="crm-lines"
      caption="Lines"
      columns={LINE_COLUMNS}
      rows={props.rows}
      empty="No lines."
    />
  );
}

/** The card of a CRM order (with its timeline posts), quote or invoice, with its lines. */
export async function DocumentCard(props: {
  client: DataverseClient;
  entity: 'salesorder' | 'quote' | 'invoice';
  id: string;
  view: View;
}) {
  const { client, entity, id } = props;
  const set = { salesorder: 'salesorders', quote: 'quotes', invoice: 'invoices' }[entity];
  const doc = await one(client, set, id, `read the ${entity}`);
  const lines = await crmRows(client, `${entity}details`, {
    select: [
      '_productid_value',
      'productdescription',
      'quantity',
      'priceperunit',
      'extendedamount',
    ],
    filter: `_${entity}id_value eq ${id}`,
    orderby: 'createdon asc',
    top: 500,
  });
  const posts =
    entity === 'salesorder'
      ? await crmRows(client, 'posts', {
          select: ['text', 'createdon', 'source'],
          filter: `_regardingobjectid_value eq ${id}`,
          orderby: 'createdon asc',
          top: 200,
        })
      : [];
  const number = { salesorder: 'ordernumber', quote: 'quotenumber', invoice: 'invoicenumber' }[
    entity
  ];
  return (
    <div id="crm-document">
      {entity === 'invoice' ? (
        ''
      ) : (
        <CrmDocumentActions entity={entity} row={doc} view={props.view} />
      )}
      <div class="grid">
        <Card title="Summary">
          <Fields
            fields={fieldsOf(doc, [
              ['ID', number],
              ['Name', 'name'],
              ['Customer', '_customerid_value'],
              ['Status', 'statecode'],
              ['Status reason', 'statuscode'],
              ...(entity === 'quote'
                ? ([
                    ['Revision', 'revisionnumber'],
                    ['Effective to', 'effectiveto'],
                  ] as [string, string][])
                : []),
              ...(entity === 'salesorder'
                ? ([['Submitted to the back office', 'lastbackofficesubmit']] as [string, string][])
                : []),
              ...(entity === 'invoice' ? ([['Due date', 'duedate']] as [string, string][]) : []),
              ['Total amount', 'totalamount'],
            ])}
          />
        </Card>
        {entity === 'salesorder' ? (
          <Card title="Timeline">
            {posts.length === 0 ? (
              <p class="hint">No posts yet.</p>
            ) : (
              <ul class="timeline">
                {posts.map((p) => (
                  <li>
                    <span class="hint" safe>
                      {label(p, 'createdon')}
                    </span>{' '}
                    <span safe>{String(p['text'] ?? '')}</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        ) : (
          ''
        )}
      </div>
      <Card title="Lines">
        <Lines rows={lines} />
      </Card>
    </div>
  );
}
