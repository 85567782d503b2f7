import { jsonBody, write } from '../api/crud.ts';
import { registerOperation } from '../api/router.ts';
import { serializeRecords } from '../api/serialize.ts';
import {
  type ApiRequest,
  emptyResponse,
  jsonResponse,
  type RequestContext,
  type WriteContext,
} from '../api/types.ts';
import { createRecords } from '../api/writes.ts';
import { type EntityDef, mustEntity } from '../catalogue/index.ts';
import { badRequest, CODES, CrmError, notFound } from '../errors.ts';
import { getRecord, type StoredRecord, updateRecord } from '../store/records.ts';
import { parseReference } from '../store/values.ts';
import { documentByHeader, linesOf, refreshTotals } from './documents.ts';

type Data = Record<string, unknown>;
type Body = Record<string, unknown>;

const NOT_COPIED = new Set([
  'statecode',
  'statuscode',
  'quotenumber',
  'ordernumber',
  'invoicenumber',
]);

/** Copies the writable columns two tables share (header to header, line to line). */
function copyColumns(from: EntityDef, data: Data, to: EntityDef): Data {
  const out: Data = {};
  for (const [column, def] of Object.entries(to.columns)) {
    const source = from.columns[column];
    if (!source || source.type !== def.type || def.readOnly || NOT_COPIED.has(column)) continue;
    if (column === to.primaryKey || column === from.primaryKey || column === 'overriddencreatedon')
      continue;
    if (def.type === 'lookup') {
      if (column === 'ownerid' || `${column}` === `${from.logicalName}id`) continue;
      out[`_${column}_value`] = data[`_${column}_value`] ?? null;
      if (data[`_${column}_type`]) out[`_${column}_type`] = data[`_${column}_type`];
    } else if (data[column] !== undefined) out[column] = data[column];
  }
  return out;
}

const today = (w: WriteContext) => w.now.toISOString().slice(0, 10);

/** The record an action names, by `<x>id@odata.bind` inside a close entity or by a plain id. */
async function target(w: WriteContext, entity: string, ref: unknown): Promise<StoredRecord> {
  const id =
    typeof ref === 'string'
      ? (parseReference(ref)?.id ?? (/^[0-9a-f-]{36}$/i.test(ref) ? ref.toLowerCase() : undefined))
      : undefined;
  if (!id) throw badRequest(`The action needs a reference to a ${entity}.`);
  const r = await getRecord(w.q, entity, id, true);
  if (!r) throw notFound(entity, id);
  return r;
}

const closeRef = (body: Body, param: string, entity: string) =>
  (body[param] as Body | undefined)?.[`${entity}id@odata.bind`];

function requireState(r: StoredRecord, allowed: readonly number[], action: string): void {
  if (!allowed.includes(r.data.statecode as number)) {
    throw new CrmError(
      400,
      CODES.invalidStateTransition,
      `${action} cannot be applied to ${r.entity} ${r.id} in state ${String(r.data.statecode)}.`,
    );
  }
}

function statusOf(body: Body, allowed: readonly number[], fallback: number): number {
  const s = body.Status === undefined || body.Status === -1 ? fallback : body.Status;
  if (typeof s !== 'number' || !allowed.includes(s)) {
    throw badRequest(
      `Status ${String(body.Status)} is not valid here; use one of ${allowed.join(', ')} or -1.`,
    );
  }
  return s;
}

async function setState(
  w: WriteContext,
  r: StoredRecord,
  state: number,
  status: number,
  extra: Data = {},
) {
  return updateRecord(
    w.q,
    r.entity,
    r.id,
    {
      ...r.data,
      ...extra,
      statecode: state,
      statuscode: status,
      _modifiedby_value: w.caller.systemUserId,
    },
    w.now,
  );
}

/** Creates a document from another one, lines included (revise, convert). */
async function copyDocument(
  w: WriteContext,
  source: StoredRecord,
  toName: string,
  extra: Data,
): Promise<StoredRecord> {
  const fromDoc = documentByHeader(source.entity)!;
  const toDoc = documentByHeader(toName)!;
  const from = mustEntity(source.entity);
  const to = mustEntity(toName);
  const changes = { ...copyColumns(from, source.data, to), ...extra };
  const [created] = await createRecords(w, to, [{ payload: { changes, bindings: [] } }]);
  const lineFrom = mustEntity(fromDoc.line);
  const lineTo = mustEntity(toDoc.line);
  for (const line of await linesOf(w.q, fromDoc, source.id)) {
    const data = copyColumns(lineFrom, line.data, lineTo);
    data[`_${toName}id_value`] = created!.id;
    if (line.data.isproductoverridden !== true) data.ispriceoverridden = true;
    await createRecords(w, lineTo, [{ payload: { changes: data, bindings: [] } }]);
  }
  return (await getRecord(w.q, toName, created!.id))!;
}

async function entityResponse(ctx: RequestContext, record: StoredRecord) {
  const entity = mustEntity(record.entity);
  const [body] = await serializeRecords(ctx.tx ?? ctx.db, entity, [record], ctx.prefs);
  return jsonResponse(200, {
    '@odata.context': `${ctx.apiUrl}$metadata#${entity.entitySet}/$entity`,
    ...body,
  });
}

type Action = (w: WriteContext, body: Body) => Promise<StoredRecord | undefined>;

function action(name: string, run: Action): void {
  registerOperation(name, 'POST', async (ctx: RequestContext, req: ApiRequest) => {
    const body = jsonBody(req) as Body;
    const result = await write(ctx, (w) => run(w, body));
    return result ? entityResponse(ctx, result) : emptyResponse(204);
  });
}

action('WinQuote', async (w, body) => {
  const quote = await target(w, 'quote', closeRef(body, 'QuoteClose', 'quote'));
  requireState(quote, [1], 'WinQuote');
  await setState(w, quote, 2, statusOf(body, [4], 4), { closedon: today(w) });
  return undefined;
});

action('CloseQuote', async (w, body) => {
  const quote = await target(w, 'quote', closeRef(body, 'QuoteClose', 'quote'));
  requireState(quote, [0, 1], 'CloseQuote');
  await setState(w, quote, 3, statusOf(body, [5, 6, 7], 5), { closedon: today(w) });
  return undefined;
});

action('ReviseQuote', async (w, body) => {
  const quote = await target(w, 'quote', body.QuoteId);
  requireState(quote, [1, 3], 'ReviseQuote');
  if (quote.data.statuscode === 7)
    throw badRequest('A revised quote cannot be revised again; revise its newest revision.');
  await setState(w, quote, 3, 7, { closedon: today(w) });
  return copyDocument(w, quote, 'quote', {
    quotenumber: quote.data.quotenumber,
    revisionnumber: Number(quote.data.revisionnumber ?? 0) + 1,
  });
});

action('ConvertQuoteToSalesOrder', async (w, body) => {
  const quote = await target(w, 'quote', body.QuoteId);
  requireState(quote, [1, 2], 'ConvertQuoteToSalesOrder');
  if (quote.data.statecode === 1) await setState(w, quote, 2, 4, { closedon: today(w) });
  return copyDocument(w, quote, 'salesorder', { _quoteid_value: quote.id, _quoteid_type: 'quote' });
});

action('FulfillSalesOrder', async (w, body) => {
  const order = await target(w, 'salesorder', closeRef(body, 'OrderClose', 'salesorder'));
  requireState(order, [0, 1], 'FulfillSalesOrder');
  await setState(w, order, 3, statusOf(body, [100001, 100002], 100001), {
    datefulfilled: today(w),
  });
  return undefined;
});

action('CancelSalesOrder', async (w, body) => {
  const order = await target(w, 'salesorder', closeRef(body, 'OrderClose', 'salesorder'));
  requireState(order, [0, 1], 'CancelSalesOrder');
  await setState(w, order, 2, statusOf(body, [4], 4));
  return undefined;
});

action('ConvertSalesOrderToInvoice', async (w, body) => {
  const order = await target(w, 'salesorder', body.SalesOrderId);
  requireState(order, [0, 1, 3], 'ConvertSalesOrderToInvoice');
  const invoice = await copyDocument(w, order, 'invoice', {
    _salesorderid_value: order.id,
    _salesorderid_type: 'salesorder',
  });
  await setState(w, (await getRecord(w.q, 'salesorder', order.id))!, 4, 100003);
  return invoice;
});

action('WinOpportunity', async (w, body) => {
  const opp = await target(w, 'opportunity', closeRef(body, 'OpportunityClose', 'opportunity'));
  requireState(opp, [0], 'WinOpportunity');
  await setState(w, opp, 1, statusOf(body, [3], 3), {
    actualclosedate: today(w),
    actualvalue: opp.data.actualvalue ?? opp.data.estimatedvalue ?? null,
  });
  return undefined;
});

action('LoseOpportunity', async (w, body) => {
  const opp = await target(w, 'opportunity', closeRef(body, 'OpportunityClose', 'opportunity'));
  requireState(opp, [0], 'LoseOpportunity');
  await setState(w, opp, 2, statusOf(body, [4, 5], 4), { actualclosedate: today(w) });
  return undefined;
});

/** `CalculatePrice` with `{"Target": {"@odata.type": "Microsoft.Dynamics.CRM.salesorder", "salesorderid": …}}`. */
action('CalculatePrice', async (w, body) => {
  const t = (body.Target ?? {}) as Body;
  const name = String(t['@odata.type'] ?? '').replace(/^#?Microsoft\.Dynamics\.CRM\./, '');
  const kind = documentByHeader(name);
  if (!kind) throw badRequest('CalculatePrice needs a quote, salesorder or invoice Target.');
  const doc = await target(w, name, t[`${name}id`]);
  await refreshTotals(w, kind, doc.id);
  return undefined;
});
