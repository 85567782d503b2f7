import {
  code,
  computed,
  type EntityDef,
  f,
  idOf,
  refId,
  systemFields,
  text,
} from './field-types.ts';

type Opts = Parameters<typeof text>[2];

/**
 * An address block as BC API v2.0 names it: `<prefix>AddressLine1`, `…AddressLine2`, `…City`,
 * `…State`, `…Country`, `…PostCode` (stored in `<prefix>_postal_code`).
 */
export const address = (prefix: 'sellTo' | 'billTo' | 'shipTo', opts: Opts = {}) => {
  const column = prefix.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return [
    ...['AddressLine1', 'AddressLine2', 'City', 'State', 'Country'].map((s) =>
      text(`${prefix}${s}`, 100, opts),
    ),
    text(`${prefix}PostCode`, 20, { ...opts, column: `${column}_postal_code` }),
  ];
};

export const money = (name: string, column?: string) =>
  f(name, 'decimal', { readOnly: true, ...(column ? { column } : {}) });

/**
 * The parties of a sales document as BC API v2.0 has them: the sell-to customer (its name is
 * read-only, its address, phone and e-mail are the document's own), the bill-to customer (name and
 * address follow it: read-only through the API, the integration still copies a CRM order's) and
 * the ship-to block (absent on credit memos).
 */
export const partyFields = (shipTo: boolean) => [
  refId('customerId', 'erp.customers', 'customer_number', 'customerNumber', 'number'),
  code('customerNumber', { required: true, nullable: false }),
  text('customerName', 100, { readOnly: true }),
  text('billToName', 100, { apiReadOnly: true }),
  refId(
    'billToCustomerId',
    'erp.customers',
    'bill_to_customer_number',
    'billToCustomerNumber',
    'number',
  ),
  code('billToCustomerNumber', { nullable: false }),
  ...(shipTo ? [text('shipToName', 100), text('shipToContact', 100)] : []),
  ...address('sellTo'),
  ...address('billTo', { apiReadOnly: true }),
  ...(shipTo ? address('shipTo') : []),
];

/** BC's sell-to phone number and e-mail, last on every sales document header. */
export const contactFields = () => [
  text('phoneNumber', 30, { column: 'sell_to_phone_number' }),
  text('email', 80, { column: 'sell_to_email' }),
];

/** BC API v2.0 properties this ERP answers with a fixed value: it prices excl. VAT, discounts before it. */
export const pricesIncludeTax = () => computed('pricesIncludeTax', 'boolean', 'false');
export const discountAppliedBeforeTax = () =>
  computed('discountAppliedBeforeTax', 'boolean', 'true');

/**
 * Header fields of quotes and orders (the API shape of erp.sales_headers) in BC API v2.0's order
 * and names: the document date is a quote's `documentDate` and an order's `orderDate`; a quote has
 * `dueDate`, `validUntilDate`, `sentDate` and `acceptedDate`, an order `pricesIncludeTax`,
 * `discountAppliedBeforeTax` and `fullyShipped`. After BC's come this ERP's own (docs/erp.md §5).
 */
const headerFields = (type: 'Quote' | 'Order') => {
  const quote = type === 'Quote';
  return [
    ...systemFields,
    text('number', 20, { readOnly: true }),
    text('externalDocumentNumber', 35),
    f(quote ? 'documentDate' : 'orderDate', 'date', { column: 'document_date' }),
    f('postingDate', 'date'),
    ...(quote ? [f('dueDate', 'date', { nullable: true })] : []),
    ...partyFields(true),
    refId('currencyId', 'erp.currencies', 'currency_code', 'currencyCode'),
    code('currencyCode', { maxLength: 10 }),
    ...(quote ? [] : [pricesIncludeTax()]),
    refId('paymentTermsId', 'erp.payment_terms', 'payment_terms_code', 'paymentTermsCode'),
    refId('shipmentMethodId', 'erp.shipment_methods', 'shipment_method_code', 'shipmentMethodCode'),
    code('salesperson', { column: 'salesperson_code' }),
    ...(quote ? [] : [f('requestedDeliveryDate', 'date', { nullable: true })]),
    // BC refuses negative discounts: they would be hidden surcharges.
    f('discountAmount', 'decimal', { column: 'invoice_discount_amount', min: 0 }),
    ...(quote ? [] : [discountAppliedBeforeTax()]),
    money('totalAmountExcludingTax'),
    money('totalTaxAmount'),
    money('totalAmountIncludingTax'),
    ...(quote
      ? []
      : [
          computed(
            'fullyShipped',
            'boolean',
            `NOT EXISTS (SELECT 1 FROM erp.sales_lines l WHERE l.document_id = t.id AND l.line_type <> 'Comment' AND l.quantity_shipped < l.quantity)`,
          ),
        ]),
    f('status', 'string', { readOnly: true, values: ['Open', 'Released'] }),
    ...(quote
      ? [
          computed('sentDate', 'datetime', 'NULL::timestamptz'),
          f('validUntilDate', 'date', { column: 'quote_valid_until_date', nullable: true }),
          computed('acceptedDate', 'date', 'NULL::date'),
        ]
      : []),
    ...contactFields(),
    // This ERP's own fields (BC v2.0 has none of them), each used by the integration.
    ...(quote ? [f('requestedDeliveryDate', 'date', { nullable: true })] : []),
    f('lastShipmentDate', 'date', { readOnly: true }),
    ...ownTerms(),
    // Set by make order; writable so an order made from a CRM order can be linked to its quote.
    text('quoteNumber', 20),
    text('workDescription', 2048),
    f('paymentDiscountPercent', 'decimal', { min: 0, max: 100 }),
  ];
};

/**
 * This ERP's own header fields (not in BC API v2.0, which has only the ids): the codes the
 * integration maps to CRM option sets, Your Reference (the CRM order number), and the currency
 * factor and price group the amounts were computed with.
 */
export const ownTerms = () => [
  code('paymentTermsCode'),
  code('shipmentMethodCode'),
  code('shippingAgentCode'),
  code('customerPriceGroupCode'),
  f('currencyFactor', 'decimal', { readOnly: true }),
  text('yourReference', 35),
];

/** Tax on the line amount before the invoice discount (BC's Line Tax Amount). */
const LINE_TAX = `CASE WHEN t.inv_discount_amount = 0 THEN t.amount_including_tax - t.amount
  ELSE round((t.amount + t.inv_discount_amount) * t.tax_percent / 100, 2) END`;

/**
 * Line fields of every sales document, named and ordered as BC API v2.0's salesOrderLine: the
 * amounts before the invoice discount (`amountExcludingTax`, `totalTaxAmount`,
 * `amountIncludingTax`) and after it (`netAmount`, `netTaxAmount`, `netAmountIncludingTax`).
 * `itemId` and `unitOfMeasureId` may be written instead of `lineObjectNumber`/`unitOfMeasureCode`.
 */
export const lineFields = [
  ...systemFields,
  f('documentId', 'guid', { readOnly: true }),
  f('sequence', 'integer', { column: 'line_number' }),
  f('itemId', 'guid', {
    sql: `(SELECT x.id FROM erp.items x WHERE t.line_type = 'Item' AND x.number = t.number)`,
    nullable: true,
    writeVia: { field: 'lineObjectNumber', table: 'erp.items', key: 'number' },
  }),
  f('lineType', 'string', { values: ['Item', 'Resource', 'Comment'] }),
  text('lineObjectNumber', 20, { column: 'number' }),
  text('description', 100),
  refId('unitOfMeasureId', 'erp.units_of_measure', 'unit_of_measure_code', 'unitOfMeasureCode'),
  code('unitOfMeasureCode', { maxLength: 10 }),
  f('quantity', 'decimal'),
  f('unitPrice', 'decimal'),
  f('discountAmount', 'decimal', { column: 'line_discount_amount', min: 0 }),
  f('discountPercent', 'decimal', { column: 'line_discount_percent', min: 0, max: 100 }),
  discountAppliedBeforeTax(),
  computed('amountExcludingTax', 'decimal', 't.amount + t.inv_discount_amount'),
  code('taxCode', { column: 'tax_group_code' }),
  money('taxPercent'),
  computed('totalTaxAmount', 'decimal', LINE_TAX),
  computed('amountIncludingTax', 'decimal', `t.amount + t.inv_discount_amount + ${LINE_TAX}`),
  money('invoiceDiscountAllocation', 'inv_discount_amount'),
  money('netAmount', 'amount'),
  computed('netTaxAmount', 'decimal', 't.amount_including_tax - t.amount'),
  money('netAmountIncludingTax', 'amount_including_tax'),
  money('shippedQuantity', 'quantity_shipped'),
  money('invoicedQuantity', 'quantity_invoiced'),
  f('invoiceQuantity', 'decimal'),
  f('shipQuantity', 'decimal'),
  // This ERP's own (not in BC API v2.0), each used: comment lines attached to a line (the
  // integration), the unit's factor, the CRM line's requested delivery date.
  f('attachedToSequence', 'integer', { column: 'attached_to_line_number', nullable: true }),
  f('qtyPerUnitOfMeasure', 'decimal', { readOnly: true }),
  f('requestedDeliveryDate', 'date', { nullable: true }),
];

export const linesOf = (type: string) =>
  `EXISTS (SELECT 1 FROM erp.sales_headers h WHERE h.id = t.document_id AND h.document_type = '${type}')`;

export const salesQuotes: EntityDef = {
  set: 'salesQuotes',
  table: 'erp.sales_headers',
  fields: headerFields('Quote'),
  where: `t.document_type = 'Quote'`,
  fixed: { document_type: 'Quote' },
  defaultOrder: 't.number',
  writable: false,
};

export const salesOrders: EntityDef = {
  ...salesQuotes,
  set: 'salesOrders',
  fields: headerFields('Order'),
  where: `t.document_type = 'Order'`,
  fixed: { document_type: 'Order' },
};

/** Order-line fields BC API v2.0's salesQuoteLine does not have. */
const NOT_ON_QUOTES = new Set([
  'invoiceDiscountAllocation',
  'shippedQuantity',
  'invoicedQuantity',
  'invoiceQuantity',
  'shipQuantity',
]);

export const salesOrderLines: EntityDef = {
  set: 'salesOrderLines',
  table: 'erp.sales_lines',
  fields: lineFields,
  where: linesOf('Order'),
  defaultOrder: 't.document_id, t.line_number',
  writable: false,
};

export const salesQuoteLines: EntityDef = {
  ...salesOrderLines,
  set: 'salesQuoteLines',
  fields: lineFields.filter((x) => !NOT_ON_QUOTES.has(x.name)),
  where: linesOf('Quote'),
};

const postedHeader = [
  ...systemFields,
  text('number', 20),
  f('orderId', 'guid'),
  text('orderNumber', 20),
  text('quoteNumber', 20),
  text('customerNumber', 20),
  idOf('customerId', 'erp.customers', 'customer_number', 'number'),
  text('customerName', 100),
];

export const salesShipments: EntityDef = {
  set: 'salesShipments',
  table: 'erp.sales_shipment_headers',
  fields: [
    ...postedHeader.filter((x) => x.name !== 'quoteNumber'),
    f('postingDate', 'date'),
    text('yourReference', 35),
    text('externalDocumentNumber', 35),
    text('shipToName', 100),
    text('shipmentMethodCode', 20),
    text('shippingAgentCode', 20),
  ].map((x) => ({ ...x, readOnly: true })),
  defaultOrder: 't.number',
  writable: false,
};

export const salesShipmentLines: EntityDef = {
  set: 'salesShipmentLines',
  table: 'erp.sales_shipment_lines',
  fields: [
    ...systemFields,
    f('documentId', 'guid'),
    f('sequence', 'integer', { column: 'line_number' }),
    text('lineType', 20),
    text('lineObjectNumber', 20, { column: 'number' }),
    text('description', 100),
    text('unitOfMeasureCode', 10),
    f('quantity', 'decimal'),
    f('orderSequence', 'integer', { column: 'order_line_number' }),
  ].map((x) => ({ ...x, readOnly: true })),
  defaultOrder: 't.document_id, t.line_number',
  writable: false,
};

const ledgerFields = [
  ...systemFields,
  f('entryNumber', 'integer'),
  text('customerNumber', 20),
  idOf('customerId', 'erp.customers', 'customer_number', 'number'),
  f('postingDate', 'date'),
  text('documentType', 20),
  text('documentNumber', 20),
  text('description', 100),
  text('externalDocumentNumber', 35),
  text('currencyCode', 10),
  f('amount', 'decimal'),
  f('amountLcy', 'decimal'),
  f('salesLcy', 'decimal'),
  f('remainingAmount', 'decimal'),
  f('remainingAmountLcy', 'decimal'),
  f('dueDate', 'date'),
  f('open', 'boolean'),
  f('closedAtDate', 'date'),
].map((x) => ({ ...x, readOnly: true }));

export const customerLedgerEntries: EntityDef = {
  set: 'customerLedgerEntries',
  table: 'erp.customer_ledger_entries',
  fields: ledgerFields,
  defaultOrder: 't.entry_number',
  writable: false,
};

/** The open invoice entry a payment is applied to now (an undone application no longer counts). */
const appliedInvoice = (column: string) =>
  `(SELECT i.${column} FROM erp.payment_applications a JOIN erp.customer_ledger_entries i ON i.id = a.invoice_entry_id
     WHERE a.payment_entry_id = t.id AND a.unapplied_at IS NULL ORDER BY a.posting_date, a.id LIMIT 1)`;

/**
 * Posted customer payments with BC API v2.0's customerPayment properties: `amount` as the
 * customer paid it (positive; the ledger entry holds it negative), the invoice it is applied to
 * as `appliesToInvoiceNumber`/`appliesToInvoiceId`. The remaining amount, open flag and LCY
 * amounts are this ERP's read-only additions (the full entry is in customerLedgerEntries).
 */
export const customerPayments: EntityDef = {
  ...customerLedgerEntries,
  set: 'customerPayments',
  where: `t.document_type = 'Payment'`,
  fields: [
    ...systemFields,
    f('entryNumber', 'integer'),
    text('customerNumber', 20),
    idOf('customerId', 'erp.customers', 'customer_number', 'number'),
    f('postingDate', 'date'),
    text('documentNumber', 20),
    text('externalDocumentNumber', 35),
    text('description', 100),
    computed('amount', 'decimal', '-t.amount'),
    computed('appliesToInvoiceNumber', 'string', appliedInvoice('document_number')),
    computed(
      'appliesToInvoiceId',
      'guid',
      `(SELECT h.id FROM erp.sales_invoice_headers h WHERE h.number = ${appliedInvoice('document_number')})`,
    ),
    text('currencyCode', 10),
    computed('amountLcy', 'decimal', '-t.amount_lcy'),
    computed('remainingAmount', 'decimal', '-t.remaining_amount'),
    computed('remainingAmountLcy', 'decimal', '-t.remaining_amount_lcy'),
    f('open', 'boolean'),
    f('closedAtDate', 'date'),
  ].map((x) => ({ ...x, readOnly: true })),
};

export const itemLedgerEntries: EntityDef = {
  set: 'itemLedgerEntries',
  table: 'erp.item_ledger_entries',
  fields: [
    ...systemFields,
    f('entryNumber', 'integer'),
    text('itemNumber', 20),
    f('postingDate', 'date'),
    text('entryType', 20),
    text('documentNumber', 20),
    f('quantity', 'decimal'),
  ].map((x) => ({ ...x, readOnly: true })),
  defaultOrder: 't.entry_number',
  writable: false,
};

const archive = (type: string, set: string): EntityDef => ({
  set,
  table: 'erp.sales_header_archives',
  fields: [
    ...systemFields,
    f('documentId', 'guid'),
    text('number', 20),
    f('versionNumber', 'integer'),
    text('customerNumber', 20),
    f('archivedDateTime', 'datetime', { column: 'archived_at' }),
    text('archivedBy', 50),
    f('header', 'json'),
    f('lines', 'json'),
  ].map((x) => ({ ...x, readOnly: true })),
  where: `t.document_type = '${type}'`,
  defaultOrder: 't.number, t.version_number',
  writable: false,
});

export const salesQuoteArchives = archive('Quote', 'salesQuoteArchives');
export const salesOrderArchives = archive('Order', 'salesOrderArchives');

export const documentEntities: readonly EntityDef[] = [
  salesQuotes,
  salesQuoteLines,
  salesOrders,
  salesOrderLines,
  salesShipments,
  salesShipmentLines,
  customerLedgerEntries,
  customerPayments,
  itemLedgerEntries,
  salesQuoteArchives,
  salesOrderArchives,
];
