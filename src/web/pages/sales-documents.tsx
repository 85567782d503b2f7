import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  type ApiRecord,
  archiveDocument,
  changeStatus,
  type DocumentType,
  getEntity,
  listEntities,
  makeOrderFromQuote,
  postSalesOrder,
} from '../../erp/public-api.ts';
import { unwrap } from '../../shared/errors.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { SuccessBanner } from '../components/banner.tsx';
import { Card, Fields } from '../components/card.tsx';
import { type Column, StaticList } from '../components/list.tsx';
import { parseInput } from '../form.ts';
import { formatMoney, moneyOf } from '../format.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, type View, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { cardLink, field, registerErpList } from './erp-list.tsx';
import { recordFields } from './record-fields.ts';

interface DocKind {
  readonly type: DocumentType;
  readonly path: string;
  readonly title: string;
  readonly set: string;
  readonly linesSet: string;
  readonly noun: string;
}

const KINDS: readonly DocKind[] = [
  {
    type: 'Quote',
    path: '/sales/quotes',
    title: 'Sales quotes',
    set: 'salesQuotes',
    linesSet: 'salesQuoteLines',
    noun: 'quote',
  },
  {
    type: 'Order',
    path: '/sales/orders',
    title: 'Sales orders',
    set: 'salesOrders',
    linesSet: 'salesOrderLines',
    noun: 'order',
  },
];

/** The actions a document offers in its status: release/reopen, make order or post, archive. */
function DocumentActions(props: { kind: DocKind; doc: ApiRecord }) {
  const { kind, doc } = props;
  const base = `${kind.path}/${doc.id}`;
  const open = doc['status'] === 'Open' || doc['status'] === 'Draft';
  const post = { 'hx-target': '#flash' };
  return (
    <ActionBar label={`Actions on ${kind.noun} ${String(doc['number'])}`}>
      {open ? (
        <button type="button" hx-post={`${base}/release`} {...post}>
          Release
        </button>
      ) : (
        <button type="button" hx-post={`${base}/reopen`} {...post}>
          Reopen
        </button>
      )}
      {kind.type === 'Quote' ? (
        <button type="button" hx-post={`${base}/makeOrder`} {...post}>
          Make order
        </button>
      ) : (
        <button
          type="button"
          class="primary"
          hx-post={`${base}/post`}
          {...post}
          hx-confirm="Ship and invoice the whole order?"
        >
          Post (ship and invoice)
        </button>
      )}
      <button type="button" hx-post={`${base}/archive`} {...post}>
        Archive version
      </button>
    </ActionBar>
  );
}

const money = moneyOf;

function listColumns(kind: DocKind, view: View): Column<ApiRecord>[] {
  const cols: Column<ApiRecord>[] = [
    cardLink('No.', kind.path),
    field('Customer No.', 'customerNumber'),
    field('Customer', 'customerName'),
    field(
      kind.type === 'Quote' ? 'Valid until' : 'Order date',
      kind.type === 'Quote' ? 'validUntilDate' : 'orderDate',
    ),
    field('External document No.', 'externalDocumentNumber'),
    field('Status', 'status'),
    {
      header: 'Amount incl. tax',
      value: (r) => money(r, 'totalAmountIncludingTax'),
      numeric: true,
    },
  ];
  if (canWrite(view.user)) {
    cols.push({ header: 'Actions', html: (r) => <DocumentActions kind={kind} doc={r} /> });
  }
  return cols;
}

const LINE_COLUMNS: Column<ApiRecord>[] = [
  field('Type', 'lineType'),
  field('No.', 'lineObjectNumber'),
  field('Description', 'description'),
  field('Quantity', 'quantity', true),
  field('Unit', 'unitOfMeasureCode'),
  {
    header: 'Unit price',
    value: (r) => formatMoney(r['unitPrice'], null, { unitPrice: true }),
    numeric: true,
  },
  { header: 'Line amount', value: (r) => formatMoney(r['amountExcludingTax']), numeric: true },
];

/** Sales quotes and orders: lists, cards with lines, release/reopen, make order, post, archive. */
export function registerSalesDocumentPages(web: FastifyInstance, deps: WebDeps): void {
  const { ctx, auth } = deps;
  for (const kind of KINDS) {
    registerErpList(web, deps, {
      path: kind.path,
      title: kind.title,
      set: kind.set,
      orderby: 'number desc',
      columns: (view) => listColumns(kind, view),
    });
    web.get<{ Params: { id: string } }>(`${kind.path}/:id`, async (request, reply) => {
      const id = parseInput(z.guid('That is not a document id'), request.params.id);
      const view = viewOf(request, auth);
      const doc = unwrap(await getEntity(ctx.db, kind.set, id));
      const lines = unwrap(
        await listEntities(ctx.db, kind.linesSet, { filter: `documentId eq ${id}` }),
      );
      return sendHtml(
        reply,
        <Layout view={view} title={`Sales ${kind.noun} ${String(doc['number'])}`}>
          <p>
            <a href={kind.path}>{`← ${kind.title}`}</a>
          </p>
          <div
            id="doc"
            hx-get={`${kind.path}/${id}`}
            hx-trigger="doc-changed from:body"
            hx-select="#doc"
            hx-swap="outerHTML"
            hx-disinherit="*"
          >
            {canWrite(view.user) ? <DocumentActions kind={kind} doc={doc} /> : ''}
            <Card title="Lines">
              <StaticList id="lines" caption="Lines" columns={LINE_COLUMNS} rows={lines} />
            </Card>
            <Card title="General">
              <Fields
                fields={recordFields(
                  kind.set,
                  doc,
                  typeof doc['currencyCode'] === 'string' ? doc['currencyCode'] : null,
                )}
              />
            </Card>
          </div>
        </Layout>,
      );
    });
    // `gone`: the action removed the document (posted in full, made into an order), so its card
    // is not reloaded; lists reload either way.
    const action = (
      name: string,
      run: (id: string) => Promise<{ message: string; gone?: boolean }>,
    ) =>
      web.post<{ Params: { id: string } }>(`${kind.path}/:id/${name}`, async (request, reply) => {
        const id = parseInput(z.guid('That is not a document id'), request.params.id);
        const r = await run(id);
        reply.header('hx-trigger', r.gone ? 'list-changed' : 'list-changed, doc-changed');
        return sendHtml(reply, <SuccessBanner message={r.message} />);
      });
    action('release', async (id) => {
      const d = unwrap(await changeStatus(ctx.db, kind.type, id, 'release'));
      return { message: `Sales ${kind.noun} ${String(d['number'])} is released.` };
    });
    action('reopen', async (id) => {
      const d = unwrap(await changeStatus(ctx.db, kind.type, id, 'reopen'));
      return { message: `Sales ${kind.noun} ${String(d['number'])} is open again.` };
    });
    action('archive', async (id) => {
      const a = unwrap(await archiveDocument(ctx.db, kind.type, id));
      return {
        message: `Version ${String(a['versionNumber'] ?? '')} of ${kind.noun} ${String(a['number'])} is archived.`,
      };
    });
    if (kind.type === 'Quote') {
      action('makeOrder', async (id) => {
        const o = unwrap(await makeOrderFromQuote(ctx.db, id, {}, ctx.clock));
        return {
          message: `Sales order ${String(o['number'])} was made from the quote.`,
          gone: true,
        };
      });
    } else {
      action('post', async (id) => {
        const r = unwrap(
          await postSalesOrder(ctx.db, id, { ship: true, invoice: true }, ctx.clock),
        );
        return {
          message: `Order ${r.orderNumber} is posted: shipment ${r.shipmentNumber ?? '—'}, invoice ${r.invoiceNumber ?? '—'}.${r.orderDeleted ? ' The order was fully invoiced and is removed, as in Business Central.' : ''}`,
          gone: r.orderDeleted,
        };
      });
    }
  }
}
