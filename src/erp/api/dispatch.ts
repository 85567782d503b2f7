import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { isoDate } from '../../shared/clock.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { withApiStatus } from '../catalog/api-document-status.ts';
import { findBoundAction } from '../catalog/bound-actions.ts';
import { apiEntities, apiEntity } from '../catalog/catalog.ts';
import { navigationOf } from '../catalog/navigation.ts';
import {
  addSalesLine,
  createSalesDocument,
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
import { headerDef } from '../documents/document-types.ts';
import { customerStatistics } from '../ledger/customer-statistics.ts';
import type { ApiRecord } from '../query/list-query.ts';
import { postPayment, runAction, unapplyPayment } from './bound-actions.ts';
import { type ExpandItem, expandRecords, parseExpand } from './expand.ts';
import { linkWith, pageOf, preferences } from './odata-envelope.ts';
import { listOptions, parsePath, type Segment } from './odata-path.ts';
import {
  HEADERS,
  LINE_NAV,
  LINES,
  refuseApiReadOnly,
  refuseIfPosted,
} from './sales-document-sets.ts';

const STATISTICS = 'customerFinancialDetails';
/** Customers per page of customerFinancialDetails (each one's statistics are computed). */
export const STATISTICS_PAGE_SIZE = 100;

/** What a request answers: status, body, the `@odata.context` fragment and extra headers. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** `$metadata#…` fragment (`companies(…)/customers`, with `/$entity` for one record). */
  readonly context?: string;
  readonly headers?: Record<string, string>;
  /** A plain-text body (`$count`). */
  readonly text?: string;
}

function notFound(what: string): never {
  throw new AppError('resource_not_found', `No resource ${what}`);
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

/** The navigation property `name` of a set that points to many records of `target`. */
const manyNav = (set: string, name: string) =>
  navigationOf(set).find((n) => n.kind === 'many' && n.name === name) as
    | { name: string; target: string; foreignKey: string }
    | undefined;

/**
 * Lists with `$select` and `$expand` together: the id fields the single-valued navigation needs
 * are read too, and dropped again when the client did not select them.
 */
async function expanded(
  ctx: AppContext,
  rows: ApiRecord[],
  items: readonly ExpandItem[],
  select?: string,
): Promise<ApiRecord[]> {
  const out = unwrap(await expandRecords(ctx.db, rows, items));
  if (!select) return out;
  const chosen = new Set(select.split(',').map((s) => s.trim()));
  const added = items
    .filter((i) => i.nav.kind === 'one' && !chosen.has((i.nav as { field: string }).field))
    .map((i) => (i.nav as { field: string }).field);
  if (added.length === 0) return out;
  return out.map(
    (r) => Object.fromEntries(Object.entries(r).filter(([k]) => !added.includes(k))) as ApiRecord,
  );
}

function selectFor(select: string | undefined, items: readonly ExpandItem[]) {
  if (!select) return undefined;
  const fields = new Set(select.split(',').map((s) => s.trim()));
  for (const i of items) if (i.nav.kind === 'one') fields.add(i.nav.field);
  return [...fields].join(',');
}

async function statistics(ctx: AppContext, customerId: string) {
  const s = unwrap(await customerStatistics(ctx.db, { id: customerId }, isoDate(ctx.clock.now())));
  return { id: s.customerId, number: s.customerNumber, ...s };
}

async function collection(
  ctx: AppContext,
  request: FastifyRequest,
  set: string,
  context: string,
  parent?: { id: string; foreignKey: string },
  countOnly = false,
): Promise<Reply> {
  const method = request.method;
  const q = unwrap(listOptions(request.query as Record<string, unknown>));
  if (method === 'GET') {
    if (set === STATISTICS && !countOnly) {
      // Statistics are computed per customer from the ledger and open orders: a page holds at
      // most STATISTICS_PAGE_SIZE customers (the rest follow @odata.nextLink, also when $top asks
      // for more), computed one after the other so a request holds one pooled connection at most.
      const prefs = preferences(request);
      const size = Math.min(prefs.maxPageSize ?? STATISTICS_PAGE_SIZE, STATISTICS_PAGE_SIZE);
      const limit = q.top === undefined ? size : Math.min(q.top, size);
      const paged = q.top === undefined || q.top > size;
      const customers = unwrap(
        await listRecords(ctx.db, apiEntity('customers'), {
          ...q,
          select: 'id',
          top: paged ? size + 1 : limit,
        }),
      );
      const more = paged && customers.length > size;
      const value: unknown[] = [];
      for (const c of customers.slice(0, more ? size : limit))
        value.push(await statistics(ctx, c.id));
      const next = more
        ? linkWith(request, {
            $skip: String((q.skip ?? 0) + size),
            $top: q.top === undefined ? undefined : String(q.top - size),
          })
        : undefined;
      return {
        status: 200,
        body: { value, ...(next ? { '@odata.nextLink': next } : {}) },
        context,
      };
    }
    const def = apiEntities.get(set) ?? notFound(set);
    const fk = parent && def.fields.find((f) => f.name === parent.foreignKey)!;
    const extra = parent ? { sql: `${fk!.sql} = $1`, params: [parent.id] } : undefined;
    if (countOnly) {
      const n = unwrap(await countRecords(ctx.db, def, q, extra));
      return { status: 200, text: String(n) };
    }
    const items = unwrap(parseExpand(set, q.expand));
    const prefs = preferences(request);
    const { size, limit, paged } = pageOf(q.top, prefs);
    const rows = unwrap(
      await listRecords(
        ctx.db,
        def,
        { ...q, select: selectFor(q.select, items), top: paged ? size + 1 : limit },
        extra,
      ),
    );
    const more = paged && rows.length > size;
    const page = more ? rows.slice(0, size) : rows;
    const count = q.count ? unwrap(await countRecords(ctx.db, def, q, extra)) : undefined;
    const next = more
      ? linkWith(request, {
          $skip: String((q.skip ?? 0) + size),
          $top: q.top === undefined ? undefined : String(q.top - size),
        })
      : undefined;
    return {
      status: 200,
      context,
      headers: prefs.maxPageSize ? { 'preference-applied': `odata.maxpagesize=${size}` } : {},
      body: {
        ...(count === undefined ? {} : { '@odata.count': count }),
        value: await expanded(ctx, page, items, q.select),
        ...(next ? { '@odata.nextLink': next } : {}),
      },
    };
  }
  if (countOnly || method !== 'POST')
    throw new AppError('method_not_allowed', `${method} is not allowed on ${set}`);
  const body = (request.body ?? {}) as Record<string, unknown>;
  const created = `${context}/$entity`;
  if (HEADERS[set]) {
    const linesKey = manyNav(set, LINE_NAV[set]!)!;
    const { [linesKey.name]: lines, ...header } = body;
    if (lines !== undefined && !Array.isArray(lines))
      throw new AppError('validation_failed', `${linesKey.name} must be an array`);
    refuseApiReadOnly(headerDef(HEADERS[set]!), header);
    const doc = await createSalesDocument(
      ctx.db,
      { documentType: HEADERS[set]!, header, lines: lines as LineInput[] | undefined },
      ctx.clock,
    );
    return { status: 201, body: withApiStatus(HEADERS[set]!, unwrap(doc)), context: created };
  }
  if (LINES[set]) {
    const { documentId, ...line } = body;
    const docId = parent?.id ?? documentId;
    if (typeof docId !== 'string')
      throw new AppError('validation_failed', 'documentId is required');
    const added = await addSalesLine(ctx.db, LINES[set]!, docId, line);
    return { status: 201, body: unwrap(added), context: created };
  }
  if (set === 'customerPayments')
    return { status: 201, body: await postPayment(ctx.db, body, ctx.clock), context: created };
  const def = apiEntities.get(set) ?? notFound(set);
  return { status: 201, body: unwrap(await createRecord(ctx.db, def, body)), context: created };
}

async function single(
  ctx: AppContext,
  request: FastifyRequest,
  seg: Segment,
  context: string,
): Promise<Reply> {
  const { name: set, key: id } = seg as Required<Segment>;
  const method = request.method;
  const entityContext = `${context}/$entity`;
  if (set === STATISTICS && method === 'GET')
    return { status: 200, body: await statistics(ctx, id), context: entityContext };
  const def = apiEntities.get(set) ?? notFound(set);
  if (method === 'GET') {
    const q = unwrap(listOptions(request.query as Record<string, unknown>));
    const items = unwrap(parseExpand(set, q.expand));
    const row = unwrap(await getRecord(ctx.db, def, id));
    const [value] = await expanded(ctx, [row], items);
    return { status: 200, body: value, context: entityContext };
  }
  if (method === 'PATCH' || method === 'DELETE') await refuseIfPosted(ctx.db, set, id);
  if (method === 'PATCH') {
    const ifMatch = requireIfMatch(request);
    const body = request.body ?? {};
    if (HEADERS[set]) refuseApiReadOnly(headerDef(HEADERS[set]!), body);
    const saved = HEADERS[set]
      ? await updateSalesDocument(ctx.db, HEADERS[set]!, id, body, { ifMatch })
      : LINES[set]
        ? await updateSalesLine(ctx.db, LINES[set]!, id, body, { ifMatch })
        : await updateRecord(ctx.db, def, id, body, { ifMatch });
    const record = unwrap(saved);
    return {
      status: 200,
      body: HEADERS[set] ? withApiStatus(HEADERS[set]!, record) : record,
      context: entityContext,
    };
  }
  if (method === 'DELETE') {
    const ifMatch = requireIfMatch(request);
    if (HEADERS[set]) unwrap(await deleteSalesDocument(ctx.db, HEADERS[set]!, id, { ifMatch }));
    else if (LINES[set]) unwrap(await deleteSalesLine(ctx.db, LINES[set]!, id, { ifMatch }));
    else unwrap(await deleteRecord(ctx.db, def, id, { ifMatch }));
    return { status: 204 };
  }
  throw new AppError('method_not_allowed', `${method} is not allowed on ${set}(id)`);
}

/** Bound actions that post a document: each is logged once at info (docs/realtime-and-operations.md). */
const POSTING_ACTIONS = new Set(['post', 'ship', 'invoice', 'shipAndInvoice']);

/**
 * A bound action. BC answers 204 No Content; a client that wants the outcome (the posted
 * invoice's id, the order made from a quote, …) asks with `Prefer: return=representation`.
 */
async function action(
  ctx: AppContext,
  request: FastifyRequest,
  set: string,
  id: string,
  name: string,
  context: string,
): Promise<Reply> {
  const type = HEADERS[set];
  const isPayment = set === 'customerPayments';
  if ((!type && !isPayment) || request.method !== 'POST' || !findBoundAction(set, name))
    notFound(`${set}(${id})/Microsoft.NAV.${name}`);
  const [status, body] = type
    ? await runAction(ctx.db, type, id, name, request.body, ctx.clock)
    : [200, await unapplyPayment(ctx, id, request.body)];
  if (POSTING_ACTIONS.has(name)) ctx.logger.info({ set, id, action: name }, 'ERP document posted');
  if (!preferences(request).returnRepresentation) return { status: 204 };
  const headers = { 'preference-applied': 'return=representation' };
  // A posted invoice or credit memo keeps the draft's id: the representation is the document as
  // its set reads now (status Open or Paid, its posted number), like a status change answers.
  if (name === 'post') {
    const posted = unwrap(await getRecord(ctx.db, apiEntities.get(set) ?? notFound(set), id));
    return { status: 200, body: posted, context: `${context}/$entity`, headers };
  }
  return { status, body, headers };
}

/** Routes `companies({id})/<set>[({id})][/<navigation>[({id})]][/$count | /Microsoft.NAV.<action>]`. */
export async function dispatch(ctx: AppContext, request: FastifyRequest): Promise<Reply> {
  const all = unwrap(parsePath((request.params as { '*': string })['*'] ?? ''));
  const countOnly = all.at(-1)?.name === '$count' && !all.at(-1)?.key;
  const segments = countOnly ? all.slice(0, -1) : all;
  if (segments.some((s) => s.name.startsWith('$'))) notFound(request.url.split('?')[0]!);
  const [company, ...rest] = segments;
  if (company?.name !== 'companies') notFound(request.url.split('?')[0]!);
  if (!company.key) {
    if (rest.length > 0) notFound(request.url.split('?')[0]!);
    return collection(ctx, request, 'companies', 'companies', undefined, countOnly);
  }
  if (!(await companyExists(ctx.db, company.key)))
    throw new AppError('not_found', `No company with id ${company.key}`);
  const root = `companies(${company.key})`;
  const [first, second, third] = rest;
  if (!first) {
    if (countOnly) notFound('$count');
    const row = unwrap(await getRecord(ctx.db, apiEntity('companies'), company.key));
    return { status: 200, body: row, context: 'companies/$entity' };
  }
  if (!first.key) {
    if (second) notFound(first.name);
    return collection(ctx, request, first.name, `${root}/${first.name}`, undefined, countOnly);
  }
  if (!second) {
    if (countOnly) notFound('$count');
    return single(ctx, request, first, `${root}/${first.name}`);
  }
  if (third) notFound(third.name);
  if (second.name.startsWith('Microsoft.NAV.') && !countOnly)
    return action(
      ctx,
      request,
      first.name,
      first.key,
      second.name.slice(14),
      `${root}/${first.name}`,
    );
  if (first.name === 'customers' && second.name === STATISTICS && !second.key && !countOnly)
    return {
      status: 200,
      body: await statistics(ctx, first.key),
      context: `${root}/${STATISTICS}/$entity`,
    };
  const def = apiEntities.get(first.name) ?? notFound(first.name);
  const nav = navigationOf(first.name).find((n) => n.name === second.name);
  if (!nav) notFound(second.name);
  const parent = unwrap(await getRecord(ctx.db, def, first.key));
  const context = `${root}/${first.name}(${first.key})/${second.name}`;
  if (nav.kind === 'one') {
    if (second.key || countOnly || request.method !== 'GET') notFound(second.name);
    const targetId = parent[nav.field];
    if (typeof targetId !== 'string') notFound(`${second.name} of ${first.name}(${first.key})`);
    const row = unwrap(await getRecord(ctx.db, apiEntity(nav.target), targetId));
    return { status: 200, body: row, context: `${root}/${nav.target}/$entity` };
  }
  if (!second.key)
    return collection(
      ctx,
      request,
      nav.target,
      context,
      { id: first.key, foreignKey: nav.foreignKey },
      countOnly,
    );
  if (countOnly) notFound('$count');
  const child = unwrap(await getRecord(ctx.db, apiEntity(nav.target), second.key));
  if (child[nav.foreignKey] !== first.key) notFound(`${second.name}(${second.key})`);
  return single(ctx, request, { name: nav.target, key: second.key }, `${root}/${nav.target}`);
}
