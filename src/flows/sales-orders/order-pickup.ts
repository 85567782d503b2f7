import { listEntities } from '../../erp/public-api.ts';
import { ok, type Result } from '../../shared/result.ts';
import { couplingsByCrmIds } from '../../sync/couplings/coupling-repo.ts';
import { listCrmDocuments } from '../shared/crm-documents.ts';
import { openCrm } from '../shared/crm-session.ts';
import { ORDER_COUPLING } from '../shared/document-couplings.ts';
import type { FlowContext } from '../shared/flow-context.ts';
import { pickupsFor } from '../shared/pickup-log.ts';
import {
  type ErpDocumentRef,
  erpDocumentRef,
  type PickupErrorView,
  type PickupItem,
  pickUpEach,
  pickupError,
} from '../shared/pickup-views.ts';
import { createErpOrder, ORDER_STATE, type OrderPickupResult } from './create-erp-order.ts';

const STATE_NAMES = ['Active', 'Submitted', 'Canceled', 'Fulfilled', 'Invoiced'];

/** A CRM order on the "Sales orders – Dynamics 365 Sales" list, with its state in the ERP. */
export interface CrmSalesOrderView {
  readonly crmId: string;
  readonly orderNumber: string;
  readonly name: string;
  readonly customerName: string;
  readonly state: string;
  readonly totalAmount: number;
  readonly lastBackOfficeSubmit: string | null;
  /** `created` (an ERP order exists), `refused` (see error), `waiting` (not picked up yet). */
  readonly erpStatus: 'created' | 'refused' | 'waiting';
  readonly erpOrder: ErpDocumentRef | null;
  readonly error: PickupErrorView | null;
}

/**
 * The coupled ERP order, or — once it was invoiced and posting removed it — its number as the
 * posted invoice keeps it (`orderNumber`), so the list still says which ERP order it was.
 */
async function coupledOrderRef(
  ctx: FlowContext,
  erpId: string | undefined,
): Promise<ErpDocumentRef | null> {
  const order = await erpDocumentRef(ctx, 'salesOrders', erpId);
  if (order || !erpId) return order;
  const invoices = await listEntities(ctx.db, 'salesInvoices', {
    filter: `orderId eq ${erpId}`,
    top: 1,
  });
  const invoice = invoices.ok ? invoices.value[0] : undefined;
  const number = String(invoice?.['orderNumber'] ?? '');
  return number ? { id: erpId, number, status: 'Invoiced' } : null;
}

/** Submitted CRM orders (newest first) with their ERP order or the reason they were refused. */
export async function listCrmSalesOrders(
  ctx: FlowContext,
  options: { top?: number; state?: 'submitted' | 'all' } = {},
): Promise<Result<CrmSalesOrderView[]>> {
  const client = await openCrm(ctx);
  if (!client.ok) return client;
  const filter =
    options.state === 'all' ? 'statecode ne 2' : `statecode eq ${ORDER_STATE.submitted}`;
  const docs = await listCrmDocuments(client.value, 'salesorder', filter, options.top ?? 200);
  if (!docs.ok) return docs;
  const ids = docs.value.map((d) => d.id);
  const couplings = await couplingsByCrmIds(ctx.db, ORDER_COUPLING.crmEntity, ids);
  const pickups = await pickupsFor(ctx.db, 'salesorder', ids);
  const out: CrmSalesOrderView[] = [];
  for (const d of docs.value) {
    const c = couplings.get(d.id);
    const p = pickups.get(d.id);
    const refused = p?.outcome === 'refused';
    out.push({
      crmId: d.id,
      orderNumber: d.number,
      name: d.name,
      customerName: d.customerName,
      state: STATE_NAMES[d.statecode] ?? String(d.statecode),
      totalAmount: d.totalAmount,
      lastBackOfficeSubmit: d.lastBackOfficeSubmit,
      erpStatus: c ? 'created' : refused ? 'refused' : 'waiting',
      erpOrder: await coupledOrderRef(ctx, c?.erpId),
      error: pickupError(p),
    });
  }
  return ok(out);
}

/** The outcome for one CRM order of a *Create in ERP* request. */
export type CreateInErpItem = PickupItem<OrderPickupResult>;

/**
 * *Create in ERP* for chosen CRM orders: each one on its own (one transaction per order), so a
 * refused order never stops the others; every order gets its outcome.
 */
export async function createOrdersInErp(
  ctx: FlowContext,
  crmIds: readonly string[],
): Promise<
  Result<{ created: number; refused: number; unchanged: number; results: CreateInErpItem[] }>
> {
  const client = await openCrm(ctx);
  if (!client.ok) return client;
  const results = await pickUpEach(ctx, crmIds, (id) => createErpOrder(ctx, client.value, id));
  return ok({
    created: results.filter((r) => r.ok && r.outcome === 'created').length,
    refused: results.filter((r) => !r.ok).length,
    unchanged: results.filter((r) => r.ok && r.outcome === 'alreadyCreated').length,
    results,
  });
}

/**
 * The automatic pick-up: every submitted CRM order the back office has not stamped yet
 * (`lastbackofficesubmit` empty or 1900-01-01). Refused orders stay unstamped, so the next run
 * retries them.
 */
export async function autoCreateSalesOrders(
  ctx: FlowContext,
): Promise<
  Result<{ created: number; refused: number; unchanged: number; results: CreateInErpItem[] }>
> {
  const client = await openCrm(ctx);
  if (!client.ok) return client;
  const docs = await listCrmDocuments(
    client.value,
    'salesorder',
    `statecode eq ${ORDER_STATE.submitted} and (lastbackofficesubmit eq null or lastbackofficesubmit le 1900-01-01)`,
    5000,
  );
  if (!docs.ok) return docs;
  if (docs.value.length === 0) return ok({ created: 0, refused: 0, unchanged: 0, results: [] });
  return createOrdersInErp(
    ctx,
    docs.value.map((d) => d.id),
  );
}
