import type { DataverseClient } from '../../dataverse/index.ts';
import type { Queryable } from '../../db/db.ts';
import { createSalesDocument, getEntity, listEntities } from '../../erp/public-api.ts';
import {
  READ_ONLY_RECORD,
  updateSubmittedOrder,
} from '../../integration/adapters/submitted-orders.ts';
import { isoDate } from '../../shared/clock.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { readConnection } from '../../sync/connection/connection-repo.ts';
import { insertCoupling } from '../../sync/couplings/coupling-repo.ts';
import { erpRecordFor } from '../shared/coupling-lookups.ts';
import { type CrmDocument, readCrmDocument } from '../shared/crm-documents.ts';
import { crmFailure } from '../shared/crm-session.ts';
import {
  archiveAndDeleteQuote,
  ORDER_COUPLING,
  QUOTE_COUPLING,
  removeCouplingOfErp,
} from '../shared/document-couplings.ts';
import { erpHeaderFor } from '../shared/document-header.ts';
import { erpLinesFor } from '../shared/document-lines.ts';
import type { FlowContext } from '../shared/flow-context.ts';
import { inFlowTransaction } from '../shared/flow-transaction.ts';
import { markWonProcessed, recordPickup } from '../shared/pickup-log.ts';

export const ORDER_STATE = {
  active: 0,
  submitted: 1,
  canceled: 2,
  fulfilled: 3,
  invoiced: 4,
} as const;

/** What happened to one CRM order. */
export interface OrderPickupResult {
  readonly crmId: string;
  readonly crmNumber: string;
  readonly outcome: 'created' | 'alreadyCreated';
  readonly erpOrderId: string | null;
  readonly erpOrderNumber: string | null;
  readonly message: string;
}

/**
 * Makes an ERP sales order from a submitted CRM order, exactly once. The ERP order takes the CRM
 * order's id and is coupled in the same transaction, under a lock on that id: a second worker
 * waits and then finds the coupling; a crash before the CRM is told (`lastbackofficesubmit`) is
 * repaired by the next attempt, which finds the order and only stamps the CRM order.
 */
export async function createErpOrder(
  ctx: FlowContext,
  client: DataverseClient,
  crmId: string,
): Promise<Result<OrderPickupResult>> {
  const read = await readCrmDocument(client, 'salesorder', crmId);
  if (!read.ok) return read;
  const doc = read.value;
  const result = await convert(ctx, client, doc);
  await recordPickup(ctx.db, 'salesorder', {
    crmId: doc.id,
    crmNumber: doc.number,
    crmName: doc.name,
    outcome: !result.ok ? 'refused' : result.value.outcome === 'created' ? 'created' : 'unchanged',
    erpDocumentId: result.ok ? result.value.erpOrderId : null,
    erpNumber: result.ok ? result.value.erpOrderNumber : null,
    ...(result.ok ? {} : { error: result.error }),
    at: ctx.clock.now(),
  });
  if (!result.ok) return result;
  if (result.value.outcome === 'created')
    ctx.logger.info(
      {
        crmOrderId: doc.id,
        crmOrderNumber: doc.number,
        erpOrderId: result.value.erpOrderId,
        erpOrderNumber: result.value.erpOrderNumber,
      },
      'sales order created from CRM',
    );
  const stamped = await stampBackOfficeSubmit(ctx, client, doc);
  if (!stamped.ok) return stamped;
  return result;
}

async function convert(
  ctx: FlowContext,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<OrderPickupResult>> {
  if (doc.statecode !== ORDER_STATE.submitted)
    return failure(
      'order_not_submitted',
      `Order ${doc.number} is not submitted in Dynamics 365 Sales; only submitted orders are created in the ERP.`,
    );
  const existing = await alreadyCreated(ctx.db, doc, false);
  if (existing) return ok(existing);
  const header = await erpHeaderFor(ctx.db, client, doc);
  if (!header.ok) return header;
  const { unitGroupMapping } = await readConnection(ctx.db);
  const lines = await erpLinesFor(ctx.db, client, doc, { unitGroups: unitGroupMapping });
  if (!lines.ok) return lines;
  const quote = doc.quoteId
    ? await erpRecordFor(ctx.db, QUOTE_COUPLING.crmEntity, doc.quoteId)
    : undefined;
  const quoteRecord = quote ? await getEntity(ctx.db, 'salesQuotes', quote.erpId) : undefined;
  const quoteNumber = quoteRecord?.ok ? String(quoteRecord.value['number']) : undefined;
  return inFlowTransaction(ctx.db, doc.id, async (tx) => {
    const again = await alreadyCreated(tx, doc, true);
    if (again) return ok(again);
    const created = await createSalesDocument(tx, {
      documentType: 'Order',
      header: { ...header.value, id: doc.id, ...(quoteNumber ? { quoteNumber } : {}) },
      lines: lines.value,
    });
    if (!created.ok)
      return failure(
        created.error.code,
        `The ERP refused order ${doc.number}: ${created.error.message}`,
        created.error.details,
      );
    await insertCoupling(tx, { ...ORDER_COUPLING, erpId: doc.id, crmId: doc.id });
    if (quote && doc.quoteId) {
      // The quote became this order: it is archived and leaves the list of open quotes.
      const retired = await archiveAndDeleteQuote(tx, quote.erpId);
      if (!retired.ok) return retired;
      await markWonProcessed(tx, doc.quoteId, ctx.clock.now());
    }
    const number = String(created.value['number']);
    return ok({
      crmId: doc.id,
      crmNumber: doc.number,
      outcome: 'created' as const,
      erpOrderId: doc.id,
      erpOrderNumber: number,
      message: `Sales order ${number} was created from order ${doc.number}${quoteNumber ? ` (quote ${quoteNumber})` : ''}.`,
    });
  });
}

/**
 * The ERP order already made from this CRM order, if any: the coupled order, or — when the
 * coupled order was posted and is gone — its posted invoice. With `repair` (under the lock) an
 * uncoupled order made from it is coupled, and a coupling whose order vanished is removed.
 */
async function alreadyCreated(
  db: Queryable,
  doc: CrmDocument,
  repair: boolean,
): Promise<OrderPickupResult | undefined> {
  const coupled = await erpRecordFor(db, ORDER_COUPLING.crmEntity, doc.id);
  const erpId = coupled?.erpTable === ORDER_COUPLING.erpTable ? coupled.erpId : doc.id;
  const order = await getEntity(db, 'salesOrders', erpId);
  const base = { crmId: doc.id, crmNumber: doc.number, outcome: 'alreadyCreated' as const };
  if (order.ok) {
    if (!coupled) {
      if (!repair) return undefined;
      await insertCoupling(db, { ...ORDER_COUPLING, erpId, crmId: doc.id });
    }
    const number = String(order.value['number']);
    return {
      ...base,
      erpOrderId: erpId,
      erpOrderNumber: number,
      message: `Order ${doc.number} is already coupled to sales order ${number}; nothing was created.`,
    };
  }
  if (!coupled) return undefined;
  const invoices = await listEntities(db, 'salesInvoices', {
    filter: `orderId eq ${erpId}`,
    top: 1,
  });
  const invoice = invoices.ok ? invoices.value[0] : undefined;
  if (invoice)
    return {
      ...base,
      erpOrderId: null,
      erpOrderNumber: String(invoice['orderNumber'] ?? ''),
      message: `Order ${doc.number} is already coupled, posted and turned into posted sales invoice ${String(invoice['number'])}; nothing was created.`,
    };
  if (repair) await removeCouplingOfErp(db, ORDER_COUPLING.erpTable, erpId);
  return undefined;
}

/**
 * Tells the CRM the back office has the order (`lastbackofficesubmit` = today). A submitted order
 * is read-only in Dynamics 365 Sales except for back-office columns; an org that refuses even those
 * gets the order briefly reactivated, stamped and submitted again.
 */
async function stampBackOfficeSubmit(
  ctx: FlowContext,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<void>> {
  const today = isoDate(ctx.clock.now());
  if (doc.lastBackOfficeSubmit?.slice(0, 10) === today) return ok(undefined);
  const patch = { lastbackofficesubmit: today };
  const direct = await client.update('salesorders', doc.id, patch);
  if (direct.ok) return ok(undefined);
  const again =
    direct.error.dataverseCode === READ_ONLY_RECORD
      ? await updateSubmittedOrder(client, doc.id, patch)
      : undefined;
  const r = again ?? direct;
  if (!r.ok) return crmFailure(`Stamping lastbackofficesubmit on order ${doc.number}`, r.error);
  return ok(undefined);
}
