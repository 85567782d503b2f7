import type { DataverseClient } from '../../dataverse/index.ts';
import { findEntity, getEntity } from '../../erp/public-api.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { ok, type Result } from '../../shared/result.ts';
import { shutdownSignal } from '../../shared/stopping.ts';
import { synchronizeNow } from '../../sync/service/synchronize-now.ts';
import { crmRecordFor } from '../shared/coupling-lookups.ts';
import { crmFailure, openCrm } from '../shared/crm-session.ts';
import { ORDER_COUPLING, removeCouplingOfErp } from '../shared/document-couplings.ts';
import type { FlowContext } from '../shared/flow-context.ts';
import { derivedId, type ErpEvent, markHandled, pendingEvents } from '../shared/flow-events.ts';
import { ORDER_STATE } from './create-erp-order.ts';

export const ORDER_STATUS_CONSUMER = 'sales-order-status';

const EVENT_TYPES = [
  'salesOrder.released',
  'salesOrder.shipmentPosted',
  'salesOrder.invoicePosted',
  'salesOrder.deleted',
] as const;

const POST_SOURCE_AUTO = 1;
const POST_TYPE_STATUS = 7;
const ORDER_STATUS_INVOICED = 100003;
const ORDER_STATUS_PENDING = 2;

/** What the status job did in one run. */
export interface OrderStatusReport {
  readonly events: number;
  readonly posts: number;
  readonly invoiced: number;
  readonly reactivated: number;
  readonly ignored: number;
}

interface Counters {
  events: number;
  posts: number;
  invoiced: number;
  reactivated: number;
  ignored: number;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * Reports the life of ERP orders made from CRM orders back to the CRM: a `post` on the CRM order's
 * timeline when it is released, shipped or invoiced (and on the account's wall when invoiced), the
 * header values (SALESORDER-ORDER) after release and shipment, the CRM order *Invoiced* when
 * posting completed it, and *Active* again when a user deleted it. Orders not made from CRM orders
 * are passed over. Each event is handled once (posts have ids derived from the event).
 */
export async function reportOrderStatus(ctx: FlowContext): Promise<Result<OrderStatusReport>> {
  const n: Counters = { events: 0, posts: 0, invoiced: 0, reactivated: 0, ignored: 0 };
  for (;;) {
    const events = await pendingEvents(ctx.db, ORDER_STATUS_CONSUMER, EVENT_TYPES);
    if (events.length === 0) break;
    let client: DataverseClient | undefined;
    const headers = new Set<string>();
    for (const e of events) {
      // The process's stop ends the run between events (each is marked handled once done); the
      // header values of those handled are still sent below.
      if (shutdownSignal.aborted) break;
      const coupling = await crmRecordFor(ctx.db, ORDER_COUPLING.erpTable, e.aggregateId);
      if (!coupling) {
        await markHandled(ctx.db, ORDER_STATUS_CONSUMER, e.id, 'not coupled');
        n.ignored++;
        continue;
      }
      if (!client) {
        const opened = await openCrm(ctx);
        if (!opened.ok) return opened;
        client = opened.value;
      }
      const handled = await handle(ctx, client, e, coupling.crmId, n, headers);
      if (!handled.ok) return handled;
      await markHandled(ctx.db, ORDER_STATUS_CONSUMER, e.id, handled.value);
      n.events++;
    }
    await sendHeaders(ctx, [...headers]);
    shutdownSignal.throwIfAborted();
  }
  return ok(n);
}

async function handle(
  ctx: FlowContext,
  client: DataverseClient,
  e: ErpEvent,
  crmOrderId: string,
  n: Counters,
  headers: Set<string>,
): Promise<Result<string>> {
  const order = await client.retrieve<Record<string, unknown>>('salesorders', crmOrderId, {
    select: ['ordernumber', 'statecode', '_customerid_value'],
  });
  if (!order.ok) {
    if (order.error.code === 'not_found') {
      await removeCouplingOfErp(ctx.db, ORDER_COUPLING.erpTable, e.aggregateId);
      return ok('CRM order deleted; coupling removed');
    }
    return crmFailure(`Reading CRM order ${crmOrderId}`, order.error);
  }
  const orderNumber = str(order.value.ordernumber);
  const erpNumber = str(e.payload.number);
  const post = async (regarding: string, id: string, text: string) => {
    const r = await client.create(
      'posts',
      {
        text,
        source: POST_SOURCE_AUTO,
        type: POST_TYPE_STATUS,
        [`regardingobjectid_${regarding}@odata.bind`]: `/${regarding === 'account' ? 'accounts' : 'salesorders'}(${id})`,
      },
      { id: derivedId('post', e.id, regarding) },
    );
    if (!r.ok) return crmFailure(`Adding a post to ${regarding} ${id}`, r.error);
    n.posts++;
    return ok(undefined);
  };
  switch (e.type) {
    case 'salesOrder.released': {
      const r = await post(
        'salesorder',
        crmOrderId,
        `The order status has changed to Released (sales order ${erpNumber}).`,
      );
      if (!r.ok) return r;
      headers.add(e.aggregateId);
      return ok('posted: released');
    }
    case 'salesOrder.shipmentPosted': {
      const r = await post(
        'salesorder',
        crmOrderId,
        `A shipment has been created for the order (shipment ${str(e.payload.shipmentNumber)}).`,
      );
      if (!r.ok) return r;
      headers.add(e.aggregateId);
      return ok('posted: shipment');
    }
    case 'salesOrder.invoicePosted': {
      const invoice = str(e.payload.invoiceNumber);
      const r = await post(
        'salesorder',
        crmOrderId,
        `An invoice has been created for the order (invoice ${invoice}).`,
      );
      if (!r.ok) return r;
      const account = await accountOf(ctx, str(e.payload.customerNumber));
      if (account) {
        // The order is known by the CRM order number it came with (its Your Reference).
        const posted = await getEntity(ctx.db, 'salesInvoices', str(e.payload.invoiceId));
        const reference =
          (posted.ok && str(posted.value['customerPurchaseOrderReference'])) || orderNumber;
        const wall = await post(
          'account',
          account,
          `Order '${reference}' has been posted (invoice ${invoice}).`,
        );
        if (!wall.ok) ctx.logger.warn({ account, error: wall.error }, 'account wall post failed');
      }
      return ok('posted: invoice');
    }
    case 'salesOrder.deleted': {
      const posted = e.payload.reason === 'posted';
      const state = order.value.statecode;
      if (posted && state !== ORDER_STATE.invoiced) {
        const r = await client.update('salesorders', crmOrderId, {
          statecode: ORDER_STATE.invoiced,
          statuscode: ORDER_STATUS_INVOICED,
        });
        if (!r.ok) return crmFailure(`Setting CRM order ${orderNumber} to Invoiced`, r.error);
        n.invoiced++;
      } else if (!posted && state === ORDER_STATE.submitted) {
        const r = await client.update('salesorders', crmOrderId, {
          statecode: ORDER_STATE.active,
          statuscode: ORDER_STATUS_PENDING,
          lastbackofficesubmit: null,
        });
        if (!r.ok) return crmFailure(`Reactivating CRM order ${orderNumber}`, r.error);
        n.reactivated++;
      }
      // A posted order keeps its coupling: its posted invoices find their CRM order through it. A
      // deleted one loses it, so the salesperson can submit the CRM order again.
      if (!posted) await removeCouplingOfErp(ctx.db, ORDER_COUPLING.erpTable, e.aggregateId);
      return ok(posted ? 'CRM order invoiced' : 'CRM order reactivated');
    }
    default:
      return ok('ignored');
  }
}

/** The CRM account coupled to an ERP customer, if any. */
async function accountOf(ctx: FlowContext, customerNumber: string): Promise<string | undefined> {
  if (!customerNumber) return undefined;
  const customer = await findEntity(ctx.db, 'customers', 'number', customerNumber);
  if (!customer) return undefined;
  return (await crmRecordFor(ctx.db, 'customers', String(customer['id'])))?.crmId;
}

/**
 * Sends the header values of released orders to their CRM orders now (SALESORDER-ORDER), instead
 * of waiting for the mapping's next scheduled run; a failure is left to that run, which retries it.
 */
async function sendHeaders(ctx: FlowContext, orderIds: readonly string[]): Promise<void> {
  const released: string[] = [];
  for (const id of orderIds) {
    const order = await getEntity(ctx.db, 'salesOrders', id);
    if (order.ok && order.value['status'] === 'Released') released.push(id);
  }
  if (released.length === 0) return;
  const engine = await openEngine(ctx);
  if (!engine.ok) return;
  const mapping = engine.value.mappings.get(ORDER_COUPLING.mappingName);
  if (!mapping) return;
  const r = await synchronizeNow(engine.value, mapping, released, 'send', true);
  if (!r.ok) ctx.logger.warn({ orders: released.length, error: r.error }, 'order headers not sent');
  else
    for (const x of r.value.records.filter((rec) => rec.outcome === 'failed'))
      ctx.logger.warn({ orderId: x.erpId, message: x.message }, 'order header not sent');
}
