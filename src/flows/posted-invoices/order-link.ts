import { failure, ok, type Result } from '../../shared/result.ts';
import type { CrmRecord } from '../../sync/ports.ts';
import type { OutboundContext } from '../outbound-context.ts';

/** The CRM sales order an invoice came from, with what the CRM invoice copies from it. */
export interface OrderLink {
  readonly salesOrderId: string;
  readonly name: string | null;
  readonly customerId: string | null;
  readonly ownerId: string | null;
  readonly opportunityId: string | null;
  readonly priceLevelId: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

const toLink = (r: CrmRecord): OrderLink => ({
  salesOrderId: r.id,
  name: str(r.values.name),
  customerId: str(r.values.customerid),
  ownerId: str(r.values.ownerid),
  opportunityId: str(r.values.opportunityid),
  priceLevelId: str(r.values.pricelevelid),
});

/**
 * Finds the CRM order behind a posted invoice: the CRM order coupled to the ERP order the invoice
 * was posted from (SALESORDER-ORDER), or else the CRM order whose number is the invoice's Your
 * Reference (orders created from the CRM carry it there). Undefined when the order did not come
 * from the CRM.
 */
export async function findOrderLink(
  o: OutboundContext,
  invoice: Readonly<Record<string, unknown>>,
): Promise<Result<OrderLink | undefined>> {
  const orderId = str(invoice.orderId);
  if (orderId) {
    const c = await o.engine.db.query<{ crm_id: string }>(
      `SELECT crm_id FROM integration.couplings
        WHERE mapping_name = 'SALESORDER-ORDER' AND erp_id = $1 AND state = 'coupled'`,
      [orderId],
    );
    const crmId = c.rows[0]?.crm_id;
    if (crmId) {
      const rows = await o.engine.crm.get('salesorder', [crmId]);
      if (!rows.ok) return rows;
      const row = rows.value.get(crmId);
      if (row) return ok(toLink(row));
    }
  }
  const reference = str(invoice.customerPurchaseOrderReference);
  if (!reference) return ok(undefined);
  const found = await o.engine.crm.find(
    'salesorder',
    [{ field: 'ordernumber', op: 'eq', value: reference }],
    2,
  );
  if (!found.ok) return found;
  if (found.value.length > 1)
    return failure(
      'ambiguous_order',
      `More than one order in Dynamics 365 Sales has the number ${reference}`,
    );
  return ok(found.value[0] ? toLink(found.value[0]) : undefined);
}
