import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { entities, entity } from '../catalog/catalog.ts';
import {
  addSalesLine,
  createSalesDocument,
  type DocumentType,
  deleteSalesDocument,
  deleteSalesLine,
  updateSalesDocument,
  updateSalesLine,
} from '../documents/sales-documents.ts';
import { companyExists } from '../master-data/companies.ts';
import {
  countRecords,
  createRecord,
  deleteRecord,
  getRecord,
  listRecords,
  updateRecord,
} from '../records/record-store.ts';
import '../errors.ts';
import type { LineInput } from '../documents/document-lines.ts';
import { customerStatistics } from '../ledger/customer-statistics.ts';
import type { ApiRecord } from '../query/list-query.ts';
import { postPayment, runAction } from './bound-actions.ts';
import { listOptions, parsePath, type Segment } from './odata-path.ts';

const PREFIX = '/api/v2.0';
const HEADERS: Record<string, DocumentType> = { salesQuotes: 'Quote', salesOrders: 'Order' };
const LINES: Record<string, DocumentType> = { salesQuoteLines: 'Quote', salesOrderLines: 'Order' };
/** Navigation from a document set to its lines set. */
const LINES_OF: Record<string, string> = {
  salesQuotes: 'salesQuoteLines',
  salesOrders: 'salesOrderLines',
  salesInvoices: 'salesInvoiceLines',
  salesShipments: 'salesShipmentLines',
};
const STATISTICS = 'customerFinancialDetails';

type Reply = [number, unknown, string?];

/** Rows per page when a list request has no $top. */
export const PAGE_SIZE = 1000;

function nextLink(request: FastifyRequest, skip: number): string {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  url.searchParams.set('$skip', String(skip));
  return url.toString();
}

function notFound(what: string): never {
  throw new AppError('not_found', `No resource ${what}`);
}

function requireIfMatch(request: FastifyRequest): string {
  const v = request.headers['if-match'];
  if (typeof v !== 'string' || v === '')
    throw new AppError(
      'precondition_required',
      'Send If-Match with the record\'s @odata.etag (or "*") to change or delete it',
    );
  return v;
}

async function withLines(ctx: AppContext, set: string, records: ApiRecord[], expand?: string) {
  if (!expand) return records;
  const linesSet = LINES_OF[set];
  if (!linesSet || expand !== linesSet)
    throw new AppError('invalid_query', `Cannot expand "${expand}" on ${set}`);
  const lines = unwrap(
    await listRecords(
      ctx.db,
      entity(linesSet),
      {},
      {
        sql: 't.document_id = ANY($1::uuid[])',
        params: [records.map((r) => r.id)],
      },
    ),
  );
  return records.map((r) => ({ ...r, [linesSet]: lines.filter((l) => l['documentId'] === r.id) }));
}

async function statistics(ctx: AppContext, customerId: string) {
  const s = unwrap(await customerStatistics(ctx.db, { id: customerId }));
  return { id: s.customerId, number: s.customerNumber, ...s };
}

async function collection(
  ctx: AppContext,
  request: FastifyRequest,
  set: string,
  parent?: { id: string; set: string },
): Promise<Reply> {
  const method = request.method;
  const q = unwrap(listOptions(request.query as Record<string, unknown>));
  if (method === 'GET') {
    if (set === STATISTICS) {
      const customers = unwrap(
        await listRecords(ctx.db, entity('customers'), { ...q, select: 'id' }),
      );
      return [200, { value: await Promise.all(customers.map((c) => statistics(ctx, c.id))) }];
    }
    const def = entities.get(set) ?? notFound(set);
    const extra = parent ? { sql: 't.document_id = $1', params: [parent.id] } : undefined;
    // Server-driven paging as BC: without $top at most PAGE_SIZE rows and an @odata.nextLink.
    const paged = q.top === undefined;
    const rows = unwrap(
      await listRecords(ctx.db, def, paged ? { ...q, top: PAGE_SIZE + 1 } : q, extra),
    );
    const more = paged && rows.length > PAGE_SIZE;
    const count = q.count ? unwrap(await countRecords(ctx.db, def, q, extra)) : undefined;
    return [
      200,
      {
        ...(count === undefined ? {} : { '@odata.count': count }),
        value: await withLines(ctx, set, more ? rows.slice(0, PAGE_SIZE) : rows, q.expand),
        ...(more ? { '@odata.nextLink': nextLink(request, (q.skip ?? 0) + PAGE_SIZE) } : {}),
      },
    ];
  }
  if (method !== 'POST')
    throw new AppError('method_not_allowed', `${method} is not allowed on ${set}`);
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (HEADERS[set]) {
    const type = HEADERS[set]!;
    const linesKey = LINES_OF[set]!;
    const { [linesKey]: lines, ...header } = body;
    if (lines !== undefined && !Array.isArray(lines))
      throw new AppError('validation_failed', `${linesKey} must be an array`);
    return [
      201,
      unwrap(
        await createSalesDocument(ctx.db, {
          documentType: type,
          header,
          lines: lines as LineInput[] | undefined,
        }),
      ),
    ];
  }
  if (LINES[set]) {
    const { documentId, ...line } = body;
    const docId = parent?.id ?? documentId;
    if (typeof docId !== 'string')
      throw new AppError('validation_failed', 'documentId is required');
    return [201, unwrap(await addSalesLine(ctx.db, LINES[set]!, docId, line))];
  }
  if (set === 'customerPayments') return [201, await postPayment(ctx.db, body)];
  const def = entities.get(set) ?? notFound(set);
  return [201, unwrap(await createRecord(ctx.db, def, body))];
}

async function single(ctx: AppContext, request: FastifyRequest, seg: Segment): Promise<Reply> {
  const { name: set, key: id } = seg as Required<Segment>;
  const method = request.method;
  if (set === STATISTICS && method === 'GET') return [200, await statistics(ctx, id)];
  const def = entities.get(set) ?? notFound(set);
  if (method === 'GET') {
    const q = unwrap(listOptions(request.query as Record<string, unknown>));
    const [row] = await withLines(ctx, set, [unwrap(await getRecord(ctx.db, def, id))], q.expand);
    return [200, row];
  }
  if (method === 'PATCH') {
    const ifMatch = requireIfMatch(request);
    const body = request.body ?? {};
    if (HEADERS[set])
      return [200, unwrap(await updateSalesDocument(ctx.db, HEADERS[set]!, id, body, { ifMatch }))];
    if (LINES[set])
      return [200, unwrap(await updateSalesLine(ctx.db, LINES[set]!, id, body, { ifMatch }))];
    return [200, unwrap(await updateRecord(ctx.db, def, id, body, { ifMatch }))];
  }
  if (method === 'DELETE') {
    const ifMatch = requireIfMatch(request);
    if (HEADERS[set]) unwrap(await deleteSalesDocument(ctx.db, HEADERS[set]!, id, { ifMatch }));
    else if (LINES[set]) unwrap(await deleteSalesLine(ctx.db, LINES[set]!, id, { ifMatch }));
    else unwrap(await deleteRecord(ctx.db, def, id, { ifMatch }));
    return [204, undefined];
  }
  throw new AppError('method_not_allowed', `${method} is not allowed on ${set}(id)`);
}

async function dispatch(ctx: AppContext, request: FastifyRequest): Promise<Reply> {
  const segments = unwrap(parsePath((request.params as { '*': string })['*'] ?? ''));
  const [company, ...rest] = segments;
  if (company?.name !== 'companies') notFound(request.url.split('?')[0]!);
  if (!company.key) {
    if (rest.length > 0) notFound(request.url.split('?')[0]!);
    return collection(ctx, request, 'companies');
  }
  if (!(await companyExists(ctx.db, company.key)))
    throw new AppError('not_found', `No company with id ${company.key}`);
  const [first, second, third] = rest;
  if (!first) return [200, unwrap(await getRecord(ctx.db, entity('companies'), company.key))];
  if (!first.key) {
    if (second) notFound(first.name);
    return collection(ctx, request, first.name);
  }
  if (!second) return single(ctx, request, first);
  if (third) notFound(third.name);
  if (second.name.startsWith('Microsoft.NAV.')) {
    const type = HEADERS[first.name];
    if (!type || request.method !== 'POST') notFound(second.name);
    const [status, body] = await runAction(
      ctx.db,
      type,
      first.key,
      second.name.slice(14),
      request.body,
    );
    return [status, body];
  }
  if (first.name === 'customers' && second.name === STATISTICS && !second.key)
    return [200, await statistics(ctx, first.key)];
  if (LINES_OF[first.name] !== second.name) notFound(second.name);
  unwrap(await getRecord(ctx.db, entity(first.name), first.key));
  if (!second.key) return collection(ctx, request, second.name, { id: first.key, set: first.name });
  const line = unwrap(await getRecord(ctx.db, entity(second.name), second.key));
  if (line['documentId'] !== first.key) notFound(`${second.name}(${second.key})`);
  return single(ctx, request, second);
}

function send(reply: FastifyReply, base: string, [status, body]: Reply) {
  if (status === 204) return reply.status(204).send();
  const etag = (body as { '@odata.etag'?: string } | undefined)?.['@odata.etag'];
  if (etag) reply.header('etag', etag);
  return reply
    .status(status)
    .send(
      body && typeof body === 'object' && 'value' in body
        ? { '@odata.context': `${base}/$metadata`, ...body }
        : body,
    );
}

/**
 * The ERP API: `/api/v2.0/companies({id})/<entitySet>` with BC API v2.0 names, OData list options,
 * ETags and the bound actions (Microsoft.NAV.release, reopen, ship, invoice, shipAndInvoice,
 * makeOrder, archive). Reads: every role; writes: admin and orderProcessor (the server's default).
 */
export function registerErpRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.route({
    method: ['GET', 'POST', 'PATCH', 'DELETE'],
    url: `${PREFIX}/*`,
    schema: {
      tags: ['erp'],
      summary:
        'ERP API (Business Central v2.0 conventions): companies({id})/<entitySet>[({id})][/Microsoft.NAV.<action>]',
      description: `Entity sets: ${[...entities.keys()].join(', ')}, ${STATISTICS}. Lists take $filter, $top, $skip, $orderby, $select, $count, $expand (document lines). PATCH/DELETE need If-Match. Actions (POST): salesOrders({id})/Microsoft.NAV.release|reopen|ship|invoice|shipAndInvoice|archive, salesQuotes({id})/Microsoft.NAV.makeOrder|release|reopen|archive. See docs/erp.md.`,
    },
    handler: async (request, reply) =>
      send(reply, `${request.protocol}://${request.host}${PREFIX}`, await dispatch(ctx, request)),
  });
}
