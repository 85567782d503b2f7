import { findEntity, listEntities } from '../../erp/public-api.ts';
import { dec } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { transferFields } from '../../sync/engine/field-transfer.ts';
import { couplingLookups } from '../../sync/engine/lookups.ts';
import type { TableMapping } from '../../sync/model.ts';
import type { CrmLookupValue } from '../../sync/ports.ts';
import { coupledCrmId, type OutboundContext } from '../outbound-context.ts';
import type { OrderLink } from './order-link.ts';

/** CRM invoice statuses the flows write (Dataverse `invoice` state and status codes). */
export const INVOICE_STATE = {
  active: 0,
  paid: 2,
} as const;
export const INVOICE_STATUS = {
  billed: 4,
  complete: 100001,
  partial: 100002,
} as const;

const lookup = (lookupEntity: string, id: string): CrmLookupValue => ({ lookupEntity, id });
const num = (v: unknown) => dec(typeof v === 'number' || typeof v === 'string' ? v : 0);
const money = (v: ReturnType<typeof dec>) => Number(v.toFixed(2));

/**
 * The CRM invoice header: the POSTEDSALESINV-INV field mappings (number, owner, currency, dates,
 * addresses, totals, payment terms, shipping agent), then what the flow adds: the customer, the
 * name, the price list and — when the order came from the CRM — the order, its opportunity,
 * price list, name, customer and owner. A fresh invoice is Active / Billed.
 */
export async function invoiceHeaderValues(
  o: OutboundContext,
  mapping: TableMapping,
  invoice: Readonly<Record<string, unknown>>,
  order: OrderLink | undefined,
): Promise<Result<Record<string, unknown>>> {
  const { db, erp, crm, mappings } = o.engine;
  const transfer = await transferFields(
    mapping,
    'ToIntegrationTable',
    invoice,
    undefined,
    couplingLookups(db, erp, crm, mappings),
  );
  if (transfer.failure) return failure('dependency_not_coupled', transfer.failure.message);
  const values: Record<string, unknown> = { ...transfer.changes };
  const number = String(invoice.number);
  const account = await coupledCrmId(o, 'customers', String(invoice.customerId));
  if (order) {
    if (!account || (order.customerId && order.customerId !== account))
      return failure(
        'customer_changed',
        `Cannot create invoice ${number} in Dynamics 365 Sales: the customer of the original order was changed or is no longer coupled`,
      );
    values.salesorderid = lookup('salesorder', order.salesOrderId);
    if (order.opportunityId) values.opportunityid = lookup('opportunity', order.opportunityId);
    if (order.priceLevelId) values.pricelevelid = lookup('pricelevel', order.priceLevelId);
    if (order.ownerId) values.ownerid = lookup('systemuser', order.ownerId);
    values.name = order.name ?? number;
  } else {
    if (!account)
      return failure(
        'dependency_not_coupled',
        `Customer ${String(invoice.customerNumber)} must be coupled to an account in Dynamics 365 Sales before invoice ${number} can be created there`,
      );
    values.name = number;
  }
  values.customerid = lookup('account', account);
  if (!values.pricelevelid) {
    const currency = values.transactioncurrencyid as CrmLookupValue | undefined;
    const list = await priceListFor(o, currency?.id ?? null, invoice.currencyCode);
    if (!list.ok) return list;
    values.pricelevelid = lookup('pricelevel', list.value);
  }
  const description = await shipmentMethodName(o, invoice.shipmentMethodCode);
  if (description) values.description = description;
  values.statuscode = INVOICE_STATUS.billed;
  return ok(values);
}

/** A CRM price list in the invoice's currency: the first one found, or a new one. */
async function priceListFor(
  o: OutboundContext,
  currencyId: string | null,
  currencyCode: unknown,
): Promise<Result<string>> {
  if (!currencyId) return failure('currency_missing', 'The invoice has no currency in the CRM');
  const found = await o.engine.crm.find(
    'pricelevel',
    [{ field: 'transactioncurrencyid', op: 'eq', value: currencyId }],
    1,
  );
  if (!found.ok) return found;
  if (found.value[0]) return ok(found.value[0].id);
  const id = crypto.randomUUID();
  const created = await o.engine.crm.write([
    {
      kind: 'create',
      entity: 'pricelevel',
      id,
      values: {
        name: `Business Central ${typeof currencyCode === 'string' && currencyCode ? currencyCode : 'LCY'}`,
        transactioncurrencyid: lookup('transactioncurrency', currencyId),
      },
    },
  ]);
  if (!created.ok) return created;
  const r = created.value[0]!;
  return r.ok ? ok(id) : failure('crm_write_failed', `Creating a price list failed: ${r.message}`);
}

async function shipmentMethodName(o: OutboundContext, code: unknown): Promise<string | null> {
  if (typeof code !== 'string' || !code) return null;
  const name = (await findEntity(o.app.db, 'shipmentMethods', 'code', code))?.displayName;
  return typeof name === 'string' && name ? name : null;
}

export interface InvoiceLineWrite {
  readonly id: string;
  readonly values: Record<string, unknown>;
}

/**
 * The CRM invoice products from the posted invoice lines: every item or resource line needs a
 * product coupled to its item or resource (else the invoice is not created, with a message naming
 * what to couple). Comment lines are not sent. Prices are overridden with the ERP's; the line
 * amount (after line discount, before invoice discount) gives the manual discount, the VAT the
 * tax, so the CRM totals equal the ERP's to the cent (the invoice discount is the header's).
 */
export async function invoiceLineValues(
  o: OutboundContext,
  invoice: Readonly<Record<string, unknown>>,
  crmInvoiceId: string,
): Promise<Result<InvoiceLineWrite[]>> {
  const lines = await listEntities(o.app.db, 'salesInvoiceLines', {
    filter: `documentId eq ${String(invoice.id)}`,
    orderby: 'sequence',
    top: 10_000,
  });
  if (!lines.ok) return lines;
  const out: InvoiceLineWrite[] = [];
  for (const line of lines.value) {
    const type = line.lineType;
    if (type !== 'Item' && type !== 'Resource') continue;
    const [set, mappingName] =
      type === 'Item' ? ['items', 'ITEM-PRODUCT'] : ['resources', 'RESOURCE-PRODUCT'];
    const objectNumber = String(line.lineObjectNumber);
    const rec = await findEntity(o.app.db, set, 'number', objectNumber);
    const product = rec ? await coupledCrmId(o, set, rec.id) : undefined;
    if (!product)
      return failure(
        'dependency_not_coupled',
        `${type} ${objectNumber} must be coupled to a product in Dynamics 365 Sales (mapping ${mappingName}) before invoice ${String(invoice.number)} can be created there`,
      );
    const quantity = num(line.quantity);
    const price = num(line.unitPrice);
    // BC's amountExcludingTax is the line amount before the invoice discount (netAmount after it).
    const lineAmount = num(line.amountExcludingTax);
    const base = price.times(quantity).toDecimalPlaces(2);
    const manualDiscount = base.minus(lineAmount);
    out.push({
      id: line.id,
      values: {
        invoiceid: lookup('invoice', crmInvoiceId),
        productid: lookup('product', product),
        quantity: Number(quantity.toString()),
        priceperunit: Number(price.toString()),
        ispriceoverridden: true,
        manualdiscountamount: money(manualDiscount.isNegative() ? dec(0) : manualDiscount),
        tax: money(num(line.netTaxAmount)),
        lineitemnumber: Number(line.sequence),
        sequencenumber: Number(line.sequence),
        ...(typeof line.description === 'string' && line.description
          ? { description: line.description }
          : {}),
      },
    });
  }
  return ok(out);
}
