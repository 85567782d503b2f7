import type { NavigationDef } from './field-types.ts';

const one = (name: string, target: string, field: string): NavigationDef => ({
  name,
  kind: 'one',
  target,
  field,
});
const many = (name: string, target: string, foreignKey = 'documentId'): NavigationDef => ({
  name,
  kind: 'many',
  target,
  foreignKey,
});

/** The terms every sales document header points to (BC's navigation property names). */
const documentTerms = [
  one('customer', 'customers', 'customerId'),
  one('currency', 'currencies', 'currencyId'),
  one('paymentTerm', 'paymentTerms', 'paymentTermsId'),
  one('shipmentMethod', 'shipmentMethods', 'shipmentMethodId'),
];

/** What a sales document line points to. */
const lineNav = [
  one('item', 'items', 'itemId'),
  one('unitOfMeasure', 'unitsOfMeasure', 'unitOfMeasureId'),
];

/**
 * Navigation properties per entity set, with BC API v2.0's names: `$expand` follows them,
 * `…/salesOrders({id})/customer` reads them and `$metadata` declares them.
 */
export const navigation: ReadonlyMap<string, readonly NavigationDef[]> = new Map([
  ['customers', documentTerms.slice(1)],
  ['salesQuotes', [...documentTerms, many('salesQuoteLines', 'salesQuoteLines')]],
  ['salesOrders', [...documentTerms, many('salesOrderLines', 'salesOrderLines')]],
  ['salesInvoices', [...documentTerms, many('salesInvoiceLines', 'salesInvoiceLines')]],
  ['salesCreditMemos', [...documentTerms, many('salesCreditMemoLines', 'salesCreditMemoLines')]],
  [
    'salesShipments',
    [one('customer', 'customers', 'customerId'), many('salesShipmentLines', 'salesShipmentLines')],
  ],
  ['salesQuoteLines', lineNav],
  ['salesOrderLines', lineNav],
  ['salesInvoiceLines', lineNav],
  ['salesCreditMemoLines', lineNav],
  ['customerLedgerEntries', [one('customer', 'customers', 'customerId')]],
  ['customerPayments', [one('customer', 'customers', 'customerId')]],
  ['items', [one('baseUnitOfMeasure', 'unitsOfMeasure', 'baseUnitOfMeasureId')]],
  ['salesPrices', [one('item', 'items', 'itemId')]],
]);

/** The navigation properties of an entity set (none for most master data). */
export const navigationOf = (set: string): readonly NavigationDef[] => navigation.get(set) ?? [];
