import {
  contactFields,
  discountAppliedBeforeTax,
  lineFields,
  linesOf,
  money,
  ownTerms,
  partyFields,
  pricesIncludeTax,
} from './document-entities.ts';
import {
  code,
  computed,
  type EntityDef,
  type FieldDef,
  f,
  refId,
  systemFields,
  text,
} from './field-types.ts';

/**
 * Sales invoices and credit memos as Business Central API v2.0 shows them: one entity set lists
 * the drafts (status Draft, editable) and the posted documents (Open, Paid; read-only). The API
 * reads the views over both; the document services write the drafts through the `draft…`
 * definitions, which have the same fields over the draft tables; the flows read the posted ones
 * alone (`posted…`, over the posted tables).
 */
type Kind = 'Invoice' | 'Credit Memo';
/** Where a definition reads: the draft table, the view of drafts and posted, the posted table. */
type Source = 'draft' | 'view' | 'posted';

/** A field the view and the posted table have as a column and the draft table computes. */
const postedOnly = (name: string, type: FieldDef['type'], draftSql: string, source: Source) =>
  source === 'draft' ? computed(name, type, draftSql) : f(name, type, { readOnly: true });

/** A column only the draft table has: the view gives it (NULL for posted), the posted table not. */
const draftOnly = (field: FieldDef, nullSql: string, source: Source): FieldDef =>
  source === 'posted' ? computed(field.name, field.type, nullSql) : field;

/** Header fields in BC API v2.0's order and names, then this ERP's own (docs/erp.md §5). */
function headerFields(kind: Kind, source: Source): FieldDef[] {
  const invoice = kind === 'Invoice';
  const fields: FieldDef[] = [
    ...systemFields,
    text('number', 20, { readOnly: true }),
    text('externalDocumentNumber', 35),
    f(invoice ? 'invoiceDate' : 'creditMemoDate', 'date', { column: 'document_date' }),
    f('postingDate', 'date'),
    f('dueDate', 'date', { nullable: true }),
    // BC's name for the invoice's Your Reference (the customer's purchase order).
    ...(invoice ? [text('customerPurchaseOrderReference', 35, { column: 'your_reference' })] : []),
    ...partyFields(invoice),
    refId('currencyId', 'erp.currencies', 'currency_code', 'currencyCode'),
    code('currencyCode', { maxLength: 10 }),
    ...(invoice
      ? [
          postedOnly('orderId', 'guid', 'NULL::uuid', source),
          postedOnly('orderNumber', 'string', `''`, source),
        ]
      : []),
    refId('paymentTermsId', 'erp.payment_terms', 'payment_terms_code', 'paymentTermsCode'),
    refId('shipmentMethodId', 'erp.shipment_methods', 'shipment_method_code', 'shipmentMethodCode'),
    code('salesperson', { column: 'salesperson_code' }),
    pricesIncludeTax(),
    ...(invoice
      ? [postedOnly('remainingAmount', 'decimal', 't.total_amount_including_tax', source)]
      : []),
    f('discountAmount', 'decimal', { column: 'invoice_discount_amount', min: 0 }),
    discountAppliedBeforeTax(),
    money('totalAmountExcludingTax'),
    money('totalTaxAmount'),
    money('totalAmountIncludingTax'),
    source === 'draft'
      ? computed('status', 'string', `'Draft'`)
      : f('status', 'string', { readOnly: true, values: ['Draft', 'Open', 'Paid'] }),
    ...(invoice
      ? []
      : [
          // The posted invoice the credit memo is applied to.
          refId(
            'invoiceId',
            'erp.sales_invoice_headers',
            'applies_to_invoice_number',
            'invoiceNumber',
            'number',
          ),
          code('invoiceNumber', { column: 'applies_to_invoice_number' }),
        ]),
    ...contactFields(),
    // This ERP's own: when the order was shipped, what a credit memo has not applied yet.
    ...(invoice ? [postedOnly('shipmentDate', 'date', 'NULL::date', source)] : []),
    ...(invoice
      ? []
      : [postedOnly('remainingAmount', 'decimal', 't.total_amount_including_tax', source)]),
    ...ownTerms()
      .filter((x) => x.name !== 'yourReference')
      .map((x) => (x.name === 'customerPriceGroupCode' ? draftOnly(x, 'NULL::text', source) : x)),
    text('workDescription', 2048),
  ];
  return source === 'posted' ? fields.map((x) => ({ ...x, readOnly: true })) : fields;
}

/** Lines of invoices and credit memos: the order line's fields without shipping quantities. */
const ORDER_ONLY = new Set([
  'requestedDeliveryDate',
  'shipQuantity',
  'invoiceQuantity',
  'shippedQuantity',
  'invoicedQuantity',
]);

function documentLineFields(kind: Kind, source: Source): FieldDef[] {
  const fields = lineFields
    .filter((x) => !ORDER_ONLY.has(x.name))
    .map((x) =>
      x.name === 'taxCode'
        ? draftOnly(x, 'NULL::text', source)
        : x.name === 'qtyPerUnitOfMeasure'
          ? draftOnly(x, '1::numeric', source)
          : x,
    );
  if (kind === 'Invoice')
    fields.push(
      source === 'draft'
        ? computed('orderSequence', 'integer', 'NULL::integer')
        : f('orderSequence', 'integer', { column: 'order_line_number', readOnly: true }),
    );
  return source === 'posted' ? fields.map((x) => ({ ...x, readOnly: true })) : fields;
}

function headerDefs(kind: Kind, set: string, view: string, posted: string): EntityDef[] {
  const draft: EntityDef = {
    set,
    table: 'erp.sales_headers',
    fields: headerFields(kind, 'draft'),
    where: `t.document_type = '${kind}'`,
    fixed: { document_type: kind },
    defaultOrder: 't.number',
    writable: false,
  };
  const others = { ...draft, where: undefined, fixed: undefined };
  return [
    draft,
    { ...others, table: view, fields: headerFields(kind, 'view') },
    { ...others, table: posted, fields: headerFields(kind, 'posted') },
  ];
}

function lineDefs(kind: Kind, set: string, view: string, posted: string): EntityDef[] {
  const draft: EntityDef = {
    set,
    table: 'erp.sales_lines',
    fields: documentLineFields(kind, 'draft'),
    where: linesOf(kind),
    defaultOrder: 't.document_id, t.line_number',
    writable: false,
  };
  const others = { ...draft, where: undefined };
  return [
    draft,
    { ...others, table: view, fields: documentLineFields(kind, 'view') },
    { ...others, table: posted, fields: documentLineFields(kind, 'posted') },
  ];
}

export const [draftSalesInvoices, salesInvoiceDocuments, postedSalesInvoices] = headerDefs(
  'Invoice',
  'salesInvoices',
  'erp.sales_invoice_documents',
  'erp.sales_invoice_headers',
) as [EntityDef, EntityDef, EntityDef];
export const [draftSalesInvoiceLines, salesInvoiceDocumentLines, postedSalesInvoiceLines] =
  lineDefs(
    'Invoice',
    'salesInvoiceLines',
    'erp.sales_invoice_document_lines',
    'erp.sales_invoice_lines',
  ) as [EntityDef, EntityDef, EntityDef];
export const [draftSalesCreditMemos, salesCreditMemos] = headerDefs(
  'Credit Memo',
  'salesCreditMemos',
  'erp.sales_credit_memo_documents',
  'erp.sales_cr_memo_headers',
) as [EntityDef, EntityDef, EntityDef];
export const [draftSalesCreditMemoLines, salesCreditMemoLines] = lineDefs(
  'Credit Memo',
  'salesCreditMemoLines',
  'erp.sales_credit_memo_document_lines',
  'erp.sales_cr_memo_lines',
) as [EntityDef, EntityDef, EntityDef];

/**
 * The draft invoices and their lines as the ERP's own services watch them (the statistics job
 * wakes on their changes); `salesInvoices` there stays the posted invoices the flows couple.
 */
export const draftInvoiceSets: readonly EntityDef[] = [
  { ...draftSalesInvoices, set: 'draftSalesInvoices' },
  { ...draftSalesInvoiceLines, set: 'draftSalesInvoiceLines' },
];
