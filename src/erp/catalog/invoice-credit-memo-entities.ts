import { address, documentTerms, lineFields, linesOf, money } from './document-entities.ts';
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
 * definitions, which have the same fields over the draft tables.
 */
type Kind = 'Invoice' | 'Credit Memo';

/** A field the view has as a column and the draft table computes (the draft's value given). */
const postedOnly = (name: string, type: FieldDef['type'], draftSql: string, draft: boolean) =>
  draft ? computed(name, type, draftSql) : f(name, type, { readOnly: true });

function headerFields(kind: Kind, draft: boolean): FieldDef[] {
  const invoice = kind === 'Invoice';
  return [
    ...systemFields,
    text('number', 20, { readOnly: true }),
    draft
      ? computed('status', 'string', `'Draft'`)
      : f('status', 'string', { readOnly: true, values: ['Draft', 'Open', 'Paid'] }),
    ...(invoice
      ? [
          postedOnly('orderId', 'guid', 'NULL::uuid', draft),
          postedOnly('orderNumber', 'string', `''`, draft),
        ]
      : []),
    code('customerNumber', { required: true, nullable: false }),
    refId('customerId', 'erp.customers', 'customer_number', 'customerNumber', 'number'),
    text('customerName', 100),
    code('billToCustomerNumber', { nullable: false }),
    text('billToName', 100),
    ...address('billTo'),
    text('shipToName', 100),
    text('shipToContact', 100),
    ...address('shipTo'),
    f(invoice ? 'invoiceDate' : 'creditMemoDate', 'date', { column: 'document_date' }),
    f('postingDate', 'date'),
    f('dueDate', 'date', { nullable: true }),
    ...(invoice ? [postedOnly('shipmentDate', 'date', 'NULL::date', draft)] : []),
    ...documentTerms(),
    text('workDescription', 2048),
    ...(invoice
      ? []
      : [
          // BC's invoiceNumber/invoiceId: the posted invoice the credit memo is applied to.
          code('invoiceNumber', { column: 'applies_to_invoice_number' }),
          refId(
            'invoiceId',
            'erp.sales_invoice_headers',
            'applies_to_invoice_number',
            'invoiceNumber',
            'number',
          ),
        ]),
    f('discountAmount', 'decimal', { column: 'invoice_discount_amount', min: 0 }),
    money('totalAmountExcludingTax'),
    money('totalTaxAmount'),
    money('totalAmountIncludingTax'),
    postedOnly('remainingAmount', 'decimal', 't.total_amount_including_tax', draft),
  ];
}

/** Lines of invoices and credit memos: the order line's fields without shipping quantities. */
const ORDER_ONLY = new Set([
  'requestedDeliveryDate',
  'shipQuantity',
  'invoiceQuantity',
  'shippedQuantity',
  'invoicedQuantity',
]);

function documentLineFields(kind: Kind, draft: boolean): FieldDef[] {
  const fields = lineFields.filter((x) => !ORDER_ONLY.has(x.name));
  if (kind === 'Invoice')
    fields.push(
      draft
        ? computed('orderSequence', 'integer', 'NULL::integer')
        : f('orderSequence', 'integer', { column: 'order_line_number', readOnly: true }),
    );
  return fields;
}

function headerDefs(kind: Kind, set: string, view: string): [EntityDef, EntityDef] {
  const draft: EntityDef = {
    set,
    table: 'erp.sales_headers',
    fields: headerFields(kind, true),
    where: `t.document_type = '${kind}'`,
    fixed: { document_type: kind },
    defaultOrder: 't.number',
    writable: false,
  };
  return [draft, { ...draft, table: view, fields: headerFields(kind, false), where: undefined }];
}

function lineDefs(kind: Kind, set: string, view: string): [EntityDef, EntityDef] {
  const draft: EntityDef = {
    set,
    table: 'erp.sales_lines',
    fields: documentLineFields(kind, true),
    where: linesOf(kind),
    defaultOrder: 't.document_id, t.line_number',
    writable: false,
  };
  return [
    draft,
    { ...draft, table: view, fields: documentLineFields(kind, false), where: undefined },
  ];
}

export const [draftSalesInvoices, salesInvoiceDocuments] = headerDefs(
  'Invoice',
  'salesInvoices',
  'erp.sales_invoice_documents',
);
export const [draftSalesInvoiceLines, salesInvoiceDocumentLines] = lineDefs(
  'Invoice',
  'salesInvoiceLines',
  'erp.sales_invoice_document_lines',
);
export const [draftSalesCreditMemos, salesCreditMemos] = headerDefs(
  'Credit Memo',
  'salesCreditMemos',
  'erp.sales_credit_memo_documents',
);
export const [draftSalesCreditMemoLines, salesCreditMemoLines] = lineDefs(
  'Credit Memo',
  'salesCreditMemoLines',
  'erp.sales_credit_memo_document_lines',
);

/**
 * The draft invoices and their lines as the ERP's own services watch them (the statistics job
 * wakes on their changes); `salesInvoices` there stays the posted invoices the flows couple.
 */
export const draftInvoiceSets: readonly EntityDef[] = [
  { ...draftSalesInvoices, set: 'draftSalesInvoices' },
  { ...draftSalesInvoiceLines, set: 'draftSalesInvoiceLines' },
];
