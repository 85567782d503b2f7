import type { DataverseClient } from '../../dataverse/index.ts';
import type { Queryable } from '../../db/db.ts';
import { listEntities } from '../../erp/public-api.ts';
import { dec } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { coupledErpField, optionCode } from './coupling-lookups.ts';
import type { CrmDocument } from './crm-documents.ts';
import { crmFailure } from './crm-session.ts';
import { resolveCustomer } from './customer-resolution.ts';
import { truncate } from './text-lines.ts';

const ADDRESS_PAIRS: readonly (readonly [string, string])[] = [
  ['Name', 'name'],
  ['AddressLine1', 'line1'],
  ['AddressLine2', 'line2'],
  ['City', 'city'],
  ['Country', 'country'],
  ['PostCode', 'postalcode'],
  ['State', 'stateorprovince'],
];

/** Bill-to / ship-to fields, taken from the CRM only when at least one of its values is filled. */
function addressFields(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [erp, crm] of [
    ['billTo', 'billto_'],
    ['shipTo', 'shipto_'],
  ] as const) {
    const values = ADDRESS_PAIRS.map(([e, c]) => [`${erp}${e}`, raw[`${crm}${c}`]] as const);
    if (!values.some(([, v]) => typeof v === 'string' && v.trim() !== '')) continue;
    for (const [field, v] of values) out[field] = truncate(typeof v === 'string' ? v : '', 100);
  }
  return out;
}

/** The organization's base currency id (cached per client). */
const baseCurrencies = new WeakMap<DataverseClient, string | null>();
async function baseCurrencyId(client: DataverseClient): Promise<Result<string | null>> {
  if (baseCurrencies.has(client)) return ok(baseCurrencies.get(client) ?? null);
  const r = await client.retrieveMultiple('organizations', {
    select: ['_basecurrencyid_value'],
    top: 1,
  });
  if (!r.ok) return crmFailure('Reading the organization', r.error);
  const id = r.value.value[0]?._basecurrencyid_value;
  const value = typeof id === 'string' ? id.toLowerCase() : null;
  baseCurrencies.set(client, value);
  return ok(value);
}

/** The ERP currency code of a CRM document: blank for the base (local) currency, else the coupled one. */
async function currencyCode(
  db: Queryable,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<string>> {
  if (!doc.currencyId) return ok('');
  const base = await baseCurrencyId(client);
  if (!base.ok) return base;
  if (doc.currencyId === base.value) return ok('');
  const code = await coupledErpField(
    db,
    'transactioncurrency',
    doc.currencyId,
    'currencies',
    'code',
  );
  if (code) {
    const local = await listEntities(db, 'generalSetup', { top: 1 });
    const lcy = local.ok
      ? (local.value[0]?.['localCurrencyCode'] as string | undefined)
      : undefined;
    return ok(code === lcy ? '' : code);
  }
  const currency = await client.retrieve<Record<string, unknown>>(
    'transactioncurrencies',
    doc.currencyId,
    { select: ['isocurrencycode', 'currencyname'] },
  );
  const label = currency.ok
    ? String(currency.value.isocurrencycode ?? doc.currencyId)
    : doc.currencyId;
  return failure(
    'currency_not_coupled',
    `The currency ${label} is not coupled to an ERP currency. Couple it (CURRENCY), then try again.`,
  );
}

const dateOnly = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 10) : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/**
 * The ERP header fields of a CRM order or quote: customer, references (`name` → External Document
 * No., the CRM number → Your Reference), currency, dates, addresses, option codes through the
 * option couplings, payment discount, work description and the header discount.
 */
export async function erpHeaderFor(
  db: Queryable,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<Record<string, unknown>>> {
  const customer = await resolveCustomer(db, client, doc);
  if (!customer.ok) return customer;
  const currency = await currencyCode(db, client, doc);
  if (!currency.ok) return currency;
  const raw = doc.raw;
  const header: Record<string, unknown> = {
    customerNumber: customer.value,
    externalDocumentNumber: truncate(doc.name, 35),
    yourReference: truncate(doc.number, 35),
    currencyCode: currency.value,
    workDescription: truncate(typeof raw.description === 'string' ? raw.description : '', 2048),
    ...addressFields(raw),
  };
  const delivery = dateOnly(raw.requestdeliveryby);
  if (delivery) header.requestedDeliveryDate = delivery;
  if (doc.entity === 'quote') {
    const validUntil = dateOnly(raw.effectiveto);
    if (validUntil) header.validUntilDate = validUntil;
  }
  const options: readonly [string, string, string, unknown][] = [
    ['shippingAgentCode', 'SHIPPING AGENT', 'shippingAgents', raw.shippingmethodcode],
    ['paymentTermsCode', 'PAYMENT TERMS', 'paymentTerms', raw.paymenttermscode],
    ['shipmentMethodCode', 'SHIPMENT METHOD', 'shipmentMethods', raw.freighttermscode],
  ];
  for (const [field, mapping, table, value] of options) {
    const code = await optionCode(db, mapping, table, value);
    if (code) header[field] = code;
  }
  const pct = num(raw.discountpercentage);
  if (pct !== 0) header.paymentDiscountPercent = String(pct);
  if (num(raw.discountamount) !== 0 || pct !== 0) {
    const discount = dec(num(raw.totallineitemamount)).minus(num(raw.totalamountlessfreight));
    if (discount.gt(0)) header.discountAmount = discount.toDecimalPlaces(2).toString();
  }
  return ok(header);
}
