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

/** Currency, terms, salesperson and references: the same on every sales document header. */
export const documentTerms = () => [
  code('currencyCode', { maxLength: 10 }),
  refId('currencyId', 'erp.currencies', 'currency_code', 'currencyCode'),
  f('currencyFactor', 'decimal', { readOnly: true }),
  code('paymentTermsCode'),
  refId('paymentTermsId', 'erp.payment_terms', 'payment_terms_code', 'paymentTermsCode'),
  code('shipmentMethodCode'),
  refId('shipmentMethodId', 'erp.shipment_methods', 'shipment_method_code', 'shipmentMethodCode'),
  code('shippingAgentCode'),
  code('salesperson', { column: 'salesperson_code' }),
  code('customerPriceGroupCode'),
  text('externalDocumentNumber', 35),
  text('yourReference', 35),
];

export const address = (prefix: string) =>
  ['AddressLine1', 'AddressLine2', 'City', 'State', 'Country', 'PostalCode'].map((s) =>
    text(`${prefix}${s}`, 100),
  );

export const money = (name: string, column?: string) =>
  f(name, 'decimal', { readOnly: true, ...(column ? { column } : {}) });

/**
 * Header fields of quotes and orders (the API shape of erp.sales_headers), named as BC API v2.0
 * names them: the document date is a quote's `documentDate` and an order's `orderDate`; only a
 * quote has `validUntilDate`.
 */
const headerFields = (type: 'Quote' | 'Order') => [
  ...systemFields,
  text('number', 20, { readOnly: true }),
  f('status', 'string', { readOnly: true, values: ['Open', 'Released'] }),
  code('customerNumber', { required: true, nullable: false }),
  refId('customerId', 'erp.customers', 'customer_number', 'customerNumber', 'number'),
  text('customerName', 100),
  code('billToCustomerNumber', { nullable: false }),
  text('billToName', 100),
  ...address('billTo'),
  text('shipToName', 100),
  text('shipToContact', 100),
  ...address('shipTo'),
  f(type === 'Quote' ? 'documentDate' : 'orderDate', 'date', { column: 'document_date' }),
  f('postingDate', 'date'),
  ...(type === 'Quote'
    ? [f('validUntilDate', 'date', { column: 'quote_valid_until_date', nullable: true })]
    : []),
  f('requestedDeliveryDate', 'date', { nullable: true }),
  f('lastShipmentDate', 'date', { readOnly: true }),
  ...documentTerms(),
  // Set by make order; writable so an order made from a CRM order can be linked to its quote.
  text('quoteNumber', 20),
  text('workDescription', 2048),
  f('paymentDiscountPercent', 'decimal', { min: 0, max: 100 }),
  // BC refuses negative discounts: they would be hidden surcharges.
  f('discountAmount', 'decimal', { column: 'invoice_discount_amount', min: 0 }),
  money('totalAmountExcludingTax'),
  money('totalTaxAmount'),
  money('totalAmountIncludingTax'),
  computed(
    'fullyShipped',
    'boolean',
    `NOT EXISTS (SELECT 1 FROM erp.sales_lines l WHERE l.document_id = t.id AND l.line_type <> 'Comment' AND l.quantity_shipped < l.quantity)`,
  ),
];

/** Line fields shared by quote and order lines (the API shape of erp.sales_lines). */
export const lineFields = [
  ...systemFields,
  f('documentId', 'guid', { readOnly: true }),
  f('sequence', 'integer', { column: 'line_number' }),
  f('lineType', 'string', { values: ['Item', 'Resource', 'Comment'] }),
  text('lineObjectNumber', 20, { column: 'number' }),
  computed(
    'itemId',
    'guid',
    `(SELECT x.id FROM erp.items x WHERE t.line_type = 'Item' AND x.number = t.number)`,
  ),
  text('description', 100),
  f('attachedToSequence', 'integer', { column: 'attached_to_line_number', nullable: true }),
  code('unitOfMeasureCode', { maxLength: 10 }),
  f('qtyPerUnitOfMeasure', 'decimal', { readOnly: true }),
  f('quantity', 'decimal'),
  f('unitPrice', 'decimal'),
  f('discountPercent', 'decimal', { column: 'line_discount_percent', min: 0, max: 100 }),
  f('discountAmount', 'decimal', { column: 'line_discount_amount', min: 0 }),
  computed('lineAmount', 'decimal', 't.amount + t.inv_discount_amount'),
  money('invoiceDiscountAllocation', 'inv_discount_amount'),
  text('taxCode', 20, { column: 'tax_group_code', readOnly: true }),
  money('taxPercent'),
  money('amountExcludingTax', 'amount'),
  computed('totalTaxAmount', 'decimal', 't.amount_including_tax - t.amount'),
  money('amountIncludingTax'),
  f('requestedDeliveryDate', 'date', { nullable: true }),
  f('shipQuantity', 'decimal'),
  f('invoiceQuantity', 'decimal'),
  money('shippedQuantity', 'quantity_shipped'),
  money('invoicedQuantity', 'quantity_invoiced'),
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

export const salesQuoteLines: EntityDef = {
  set: 'salesQuoteLines',
  table: 'erp.sales_lines',
  fields: lineFields,
  where: linesOf('Quote'),
  defaultOrder: 't.document_id, t.line_number',
  writable: false,
};

export const salesOrderLines: EntityDef = {
  ...salesQuoteLines,
  set: 'salesOrderLines',
  where: linesOf('Order'),
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

export const salesInvoices: EntityDef = {
  set: 'salesInvoices',
  table: 'erp.sales_invoice_headers',
  fields: [
    ...postedHeader.map((x) => ({ ...x, readOnly: true })),
    text('billToCustomerNumber', 20),
    text('billToName', 100),
    ...address('billTo'),
    text('shipToName', 100),
    text('shipToContact', 100),
    ...address('shipTo'),
    f('invoiceDate', 'date', { column: 'document_date' }),
    f('postingDate', 'date'),
    f('dueDate', 'date'),
    f('shipmentDate', 'date'),
    text('currencyCode', 10),
    f('currencyFactor', 'decimal'),
    text('paymentTermsCode', 20),
    text('shipmentMethodCode', 20),
    text('shippingAgentCode', 20),
    text('salesperson', 20, { column: 'salesperson_code' }),
    text('externalDocumentNumber', 35),
    text('yourReference', 35),
    text('workDescription', 2048),
    f('discountAmount', 'decimal', { column: 'invoice_discount_amount' }),
    f('totalAmountExcludingTax', 'decimal'),
    f('totalTaxAmount', 'decimal'),
    f('totalAmountIncludingTax', 'decimal'),
    f('remainingAmount', 'decimal'),
    f('status', 'string', { values: ['Open', 'Paid'] }),
  ].map((x) => ({ ...x, readOnly: true })),
  defaultOrder: 't.number',
  writable: false,
};

export const salesInvoiceLines: EntityDef = {
  set: 'salesInvoiceLines',
  table: 'erp.sales_invoice_lines',
  fields: [
    ...systemFields,
    f('documentId', 'guid'),
    f('sequence', 'integer', { column: 'line_number' }),
    text('lineType', 20),
    text('lineObjectNumber', 20, { column: 'number' }),
    text('description', 100),
    f('attachedToSequence', 'integer', { column: 'attached_to_line_number' }),
    text('unitOfMeasureCode', 10),
    f('quantity', 'decimal'),
    f('unitPrice', 'decimal'),
    f('discountPercent', 'decimal', { column: 'line_discount_percent' }),
    f('discountAmount', 'decimal', { column: 'line_discount_amount' }),
    f('invoiceDiscountAllocation', 'decimal', { column: 'inv_discount_amount' }),
    f('taxPercent', 'decimal'),
    f('amountExcludingTax', 'decimal', { column: 'amount' }),
    computed('totalTaxAmount', 'decimal', 't.amount_including_tax - t.amount'),
    f('amountIncludingTax', 'decimal'),
    f('orderSequence', 'integer', { column: 'order_line_number' }),
  ].map((x) => ({ ...x, readOnly: true })),
  defaultOrder: 't.document_id, t.line_number',
  writable: false,
};

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
  salesInvoices,
  salesInvoiceLines,
  salesShipments,
  salesShipmentLines,
  customerLedgerEntries,
  customerPayments,
  itemLedgerEntries,
  salesQuoteArchives,
  salesOrderArchives,
];
