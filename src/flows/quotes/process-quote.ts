import type { DataverseClient } from '../../dataverse/index.ts';
import { odataGuid, odataString } from '../../dataverse/index.ts';
import { changeStatus, findEntity, getEntity, updateSalesDocument } from '../../erp/public-api.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { readConnection } from '../../sync/connection/connection-repo.ts';
import { createErpOrder, ORDER_STATE } from '../sales-orders/create-erp-order.ts';
import { erpRecordFor } from '../shared/coupling-lookups.ts';
import { type CrmDocument, readCrmDocument } from '../shared/crm-documents.ts';
import { crmFailure } from '../shared/crm-session.ts';
import {
  archiveAndDeleteQuote,
  ORDER_COUPLING,
  QUOTE_COUPLING,
} from '../shared/document-couplings.ts';
import { erpHeaderFor } from '../shared/document-header.ts';
import { erpLinesFor } from '../shared/document-lines.ts';
import type { FlowContext } from '../shared/flow-context.ts';
import { inFlowTransaction } from '../shared/flow-transaction.ts';
import { markWonProcessed, pickupsFor, recordPickup } from '../shared/pickup-log.ts';
import { createErpQuote, reviseErpQuote } from './erp-quote-writes.ts';

export const QUOTE_STATE = { draft: 0, active: 1, won: 2, closed: 3 } as const;
export const QUOTE_STATUS = { won: 4, lost: 5, canceled: 6, revised: 7 } as const;

/** What processing one CRM quote did. */
export interface QuoteProcessResult {
  readonly crmId: string;
  readonly quoteNumber: string;
  readonly revision: number;
  /** created/updated: the ERP quote; orderLinked: won and turned into the ERP order; released: won, waiting for its order; archived: lost/canceled. */
  readonly outcome: 'created' | 'updated' | 'unchanged' | 'orderLinked' | 'released' | 'archived';
  readonly erpQuoteId: string | null;
  readonly erpQuoteNumber: string | null;
  readonly erpOrderNumber: string | null;
  readonly message: string;
}

type Outcome = Omit<QuoteProcessResult, 'crmId' | 'quoteNumber' | 'revision'>;

/** `quote QUO-01001 (revision 0)`: messages add no "quote" of their own before it. */
const label = (doc: CrmDocument) => `quote ${doc.number} (revision ${doc.revisionNumber})`;
/** `Quote QUO-01001 (revision 0)`, to start a sentence. */
const capitalLabel = (doc: CrmDocument) => `Q${label(doc).slice(1)}`;

/**
 * *Process in ERP* for one CRM quote: an active quote becomes (or, as a new revision, updates) the
 * ERP quote; a won quote is linked to the ERP order made from its CRM order, or released to wait
 * for it; a lost or canceled quote's ERP quote is archived and deleted.
 */
export async function processQuote(
  ctx: FlowContext,
  client: DataverseClient,
  crmId: string,
): Promise<Result<QuoteProcessResult>> {
  const read = await readCrmDocument(client, 'quote', crmId);
  if (!read.ok) return read;
  const doc = read.value;
  const result = await dispatch(ctx, client, doc);
  await recordPickup(ctx.db, 'quote', {
    crmId: doc.id,
    crmNumber: doc.number,
    crmName: doc.name,
    outcome: !result.ok
      ? 'refused'
      : result.value.outcome === 'created'
        ? 'created'
        : result.value.outcome === 'unchanged'
          ? 'unchanged'
          : 'updated',
    erpDocumentId: result.ok ? result.value.erpQuoteId : null,
    erpNumber: result.ok ? result.value.erpQuoteNumber : null,
    ...(result.ok ? {} : { error: result.error }),
    at: ctx.clock.now(),
  });
  if (!result.ok) return result;
  return ok({
    crmId: doc.id,
    quoteNumber: doc.number,
    revision: doc.revisionNumber,
    ...result.value,
  });
}

async function dispatch(
  ctx: FlowContext,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<Outcome>> {
  switch (doc.statecode) {
    case QUOTE_STATE.active:
      return activeQuote(ctx, client, doc);
    case QUOTE_STATE.won:
      return wonQuote(ctx, client, doc);
    case QUOTE_STATE.closed:
      return doc.statuscode === QUOTE_STATUS.revised
        ? ok(nothing(`${capitalLabel(doc)} was revised; its newest revision is the one processed.`))
        : closedQuote(ctx, doc);
    default:
      return failure(
        'quote_not_active',
        `${capitalLabel(doc)} is a draft; activate it in Dynamics 365 Sales first.`,
      );
  }
}

const nothing = (message: string, quote?: { id: string; number: string }): Outcome => ({
  outcome: 'unchanged',
  erpQuoteId: quote?.id ?? null,
  erpQuoteNumber: quote?.number ?? null,
  erpOrderNumber: null,
  message,
});

/** The ERP quote coupled to a CRM quote id, if it (still) exists. */
async function coupledErpQuote(ctx: FlowContext, crmId: string) {
  const c = await erpRecordFor(ctx.db, QUOTE_COUPLING.crmEntity, crmId);
  if (!c || c.erpTable !== QUOTE_COUPLING.erpTable) return undefined;
  const q = await getEntity(ctx.db, 'salesQuotes', c.erpId);
  return q.ok
    ? { id: c.erpId, number: String(q.value['number']), status: String(q.value['status']) }
    : undefined;
}

/**
 * The ERP order made (by *Make order* in the ERP) from the ERP quote a CRM quote became: found
 * by its Quote No., as the quote itself is gone. The pickup log keeps the quote's number.
 */
async function erpOrderMadeFromQuote(ctx: FlowContext, crmId: string) {
  const pickup = (await pickupsFor(ctx.db, 'quote', [crmId])).get(crmId);
  if (!pickup?.erpNumber) return undefined;
  const order = await findEntity(ctx.db, 'salesOrders', 'quoteNumber', pickup.erpNumber);
  if (!order) return undefined;
  return {
    quoteId: pickup.erpDocumentId,
    quoteNumber: pickup.erpNumber,
    orderNumber: String(order['number']),
  };
}

/** The ERP quote coupled to an earlier, revised revision of the same CRM quote number. */
async function earlierRevision(
  ctx: FlowContext,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<{ id: string; number: string } | undefined>> {
  const r = await client.collectAll<Record<string, unknown>>('quotes', {
    select: ['quoteid', 'revisionnumber'],
    filter: `quotenumber eq ${odataString(doc.number)} and statecode eq ${QUOTE_STATE.closed} and statuscode eq ${QUOTE_STATUS.revised}`,
  });
  if (!r.ok) return crmFailure(`Looking up the revisions of quote ${doc.number}`, r.error);
  const newestFirst = [...r.value].sort(
    (a, b) => Number(b.revisionnumber ?? 0) - Number(a.revisionnumber ?? 0),
  );
  for (const rev of newestFirst) {
    const q = await coupledErpQuote(ctx, String(rev.quoteid).toLowerCase());
    if (q) return ok(q);
  }
  return ok(undefined);
}

async function activeQuote(
  ctx: FlowContext,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<Outcome>> {
  const existing = await coupledErpQuote(ctx, doc.id);
  if (existing)
    return ok(nothing(`${capitalLabel(doc)} is already ERP quote ${existing.number}.`, existing));
  const previous = doc.revisionNumber > 0 ? await earlierRevision(ctx, client, doc) : ok(undefined);
  if (!previous.ok) return previous;
  const header = await erpHeaderFor(ctx.db, client, doc);
  if (!header.ok) return header;
  const { unitGroupMapping } = await readConnection(ctx.db);
  const lines = await erpLinesFor(ctx.db, client, doc, { unitGroups: unitGroupMapping });
  if (!lines.ok) return lines;
  const prev = previous.value;
  return inFlowTransaction(ctx.db, prev?.id ?? doc.id, async (tx) => {
    const again = await erpRecordFor(tx, QUOTE_COUPLING.crmEntity, doc.id);
    if (again) return ok(nothing(`${capitalLabel(doc)} was processed meanwhile.`));
    if (prev) {
      const r = await reviseErpQuote(tx, prev.id, doc.id, header.value, lines.value, label(doc));
      if (!r.ok) return r;
      return ok({
        outcome: 'updated' as const,
        erpQuoteId: prev.id,
        erpQuoteNumber: prev.number,
        erpOrderNumber: null,
        message: `ERP quote ${prev.number} was archived and updated to revision ${doc.revisionNumber} of quote ${doc.number}.`,
      });
    }
    const created = await createErpQuote(tx, doc.id, header.value, lines.value, label(doc));
    if (!created.ok) return created;
    const number = String(created.value['number']);
    return ok({
      outcome: 'created' as const,
      erpQuoteId: doc.id,
      erpQuoteNumber: number,
      erpOrderNumber: null,
      message: `ERP quote ${number} was created from ${label(doc)}.`,
    });
  });
}

/**
 * A won quote: its ERP quote (created first if needed) is linked to the ERP order made from the
 * CRM order that came from the quote — made now when that order is already submitted — and then
 * archived and deleted; with no ERP order yet, the ERP quote is released and waits for the order.
 */
async function wonQuote(
  ctx: FlowContext,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<Outcome>> {
  const done = (await pickupsFor(ctx.db, 'quote', [doc.id])).get(doc.id)?.wonProcessedAt;
  if (done) return ok(nothing(`Won ${label(doc)} was already processed.`));
  let quote = await coupledErpQuote(ctx, doc.id);
  if (!quote) {
    // *Make order* in the ERP deletes the quote; the order it made carries the quote's number.
    const madeInErp = await erpOrderMadeFromQuote(ctx, doc.id);
    if (madeInErp) {
      await markWonProcessed(ctx.db, doc.id, ctx.clock.now());
      return ok({
        outcome: 'orderLinked',
        erpQuoteId: madeInErp.quoteId,
        erpQuoteNumber: madeInErp.quoteNumber,
        erpOrderNumber: madeInErp.orderNumber,
        message: `Won ${label(doc)} is sales order ${madeInErp.orderNumber}, made from ERP quote ${madeInErp.quoteNumber} in the ERP.`,
      });
    }
    const made = await activeQuote(ctx, client, doc);
    if (!made.ok) return made;
    quote = await coupledErpQuote(ctx, doc.id);
  }
  const orders = await client.retrieveMultiple<Record<string, unknown>>('salesorders', {
    select: ['salesorderid', 'ordernumber', 'statecode'],
    filter: `_quoteid_value eq ${odataGuid(doc.id)}`,
    orderby: ['createdon desc'],
    top: 1,
  });
  if (!orders.ok) return crmFailure(`Looking up the order of quote ${doc.number}`, orders.error);
  const crmOrder = orders.value.value[0];
  if (!crmOrder)
    return failure(
      'quote_order_missing',
      `Unable to find the sales order that corresponds to won ${label(doc)}. Create the order from the quote in Dynamics 365 Sales, then process the quote again.`,
    );
  const crmOrderId = String(crmOrder.salesorderid).toLowerCase();
  const coupledOrder = await erpRecordFor(ctx.db, ORDER_COUPLING.crmEntity, crmOrderId);
  const order = coupledOrder
    ? await getEntity(ctx.db, 'salesOrders', coupledOrder.erpId)
    : undefined;
  if (order?.ok) {
    const orderId = String(order.value['id']);
    const orderNumber = String(order.value['number']);
    return inFlowTransaction(ctx.db, doc.id, async (tx) => {
      if (quote && order.value['quoteNumber'] !== quote.number) {
        const linked = await updateSalesDocument(tx, 'Order', orderId, {
          quoteNumber: quote.number,
        });
        if (!linked.ok) return linked;
      }
      if (quote) {
        const retired = await archiveAndDeleteQuote(tx, quote.id);
        if (!retired.ok) return retired;
      }
      await markWonProcessed(tx, doc.id, ctx.clock.now());
      return ok(linkedOutcome(doc, quote, orderNumber));
    });
  }
  if (crmOrder.statecode === ORDER_STATE.submitted) {
    // The order conversion finds the coupled quote, sets Quote No. and retires the quote.
    const made = await createErpOrder(ctx, client, crmOrderId);
    if (!made.ok) return made;
    await markWonProcessed(ctx.db, doc.id, ctx.clock.now());
    return ok(linkedOutcome(doc, quote, made.value.erpOrderNumber));
  }
  if (quote && quote.status !== 'Released') {
    const released = await changeStatus(ctx.db, 'Quote', quote.id, 'release');
    if (!released.ok)
      return failure(
        released.error.code,
        `ERP quote ${quote.number} could not be released: ${released.error.message}`,
      );
  }
  await markWonProcessed(ctx.db, doc.id, ctx.clock.now());
  return ok({
    outcome: 'released',
    erpQuoteId: quote?.id ?? null,
    erpQuoteNumber: quote?.number ?? null,
    erpOrderNumber: null,
    message: `${capitalLabel(doc)} is won; ERP quote ${quote?.number ?? ''} is released and waits for order ${String(crmOrder.ordernumber ?? '')} to be submitted.`,
  });
}

const linkedOutcome = (
  doc: CrmDocument,
  quote: { id: string; number: string } | undefined,
  orderNumber: string | null,
): Outcome => ({
  outcome: 'orderLinked',
  erpQuoteId: quote?.id ?? null,
  erpQuoteNumber: quote?.number ?? null,
  erpOrderNumber: orderNumber,
  message: `Won ${label(doc)} became sales order ${orderNumber ?? ''}${quote ? `; ERP quote ${quote.number} was archived` : ''}.`,
});

/** A lost or canceled quote: its ERP quote is archived and deleted. */
async function closedQuote(ctx: FlowContext, doc: CrmDocument): Promise<Result<Outcome>> {
  const quote = await coupledErpQuote(ctx, doc.id);
  if (!quote) return ok(nothing(`${capitalLabel(doc)} is closed and has no ERP quote.`));
  return inFlowTransaction(ctx.db, quote.id, async (tx) => {
    const retired = await archiveAndDeleteQuote(tx, quote.id);
    if (!retired.ok) return retired;
    return ok({
      outcome: 'archived' as const,
      erpQuoteId: quote.id,
      erpQuoteNumber: quote.number,
      erpOrderNumber: null,
      message: `${capitalLabel(doc)} is closed (${doc.statuscode === QUOTE_STATUS.lost ? 'lost' : 'canceled'}); ERP quote ${quote.number} was archived and deleted.`,
    });
  });
}
