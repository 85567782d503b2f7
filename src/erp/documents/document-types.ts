import {
  salesOrderArchives,
  salesOrderLines,
  salesOrders,
  salesQuoteArchives,
  salesQuoteLines,
  salesQuotes,
} from '../catalog/document-entities.ts';
import type { EntityDef } from '../catalog/field-types.ts';
import {
  draftSalesCreditMemoLines,
  draftSalesCreditMemos,
  draftSalesInvoiceLines,
  draftSalesInvoices,
} from '../catalog/invoice-credit-memo-entities.ts';

/**
 * The sales documents a user edits before posting; they share one table, told apart by type.
 * Invoices and credit memos are the unposted (draft) ones.
 */
export type DocumentType = 'Quote' | 'Order' | 'Invoice' | 'Credit Memo';

const HEADERS: Record<DocumentType, EntityDef> = {
  Quote: salesQuotes,
  Order: salesOrders,
  Invoice: draftSalesInvoices,
  'Credit Memo': draftSalesCreditMemos,
};
const LINES: Record<DocumentType, EntityDef> = {
  Quote: salesQuoteLines,
  Order: salesOrderLines,
  Invoice: draftSalesInvoiceLines,
  'Credit Memo': draftSalesCreditMemoLines,
};

/** The entity of a document type's header, its lines and its archived versions. */
export const headerDef = (t: DocumentType): EntityDef => HEADERS[t];
export const lineDef = (t: DocumentType): EntityDef => LINES[t];
export const archiveDef = (t: DocumentType): EntityDef =>
  t === 'Quote' ? salesQuoteArchives : salesOrderArchives;

const AGGREGATES: Record<DocumentType, string> = {
  Quote: 'salesQuote',
  Order: 'salesOrder',
  Invoice: 'salesInvoice',
  'Credit Memo': 'salesCreditMemo',
};
const SERIES: Record<DocumentType, string> = {
  Quote: 'quote_nos',
  Order: 'order_nos',
  Invoice: 'invoice_nos',
  'Credit Memo': 'credit_memo_nos',
};

/** The outbox aggregate of a document type (`salesQuote`, …, `salesCreditMemo`). */
export const aggregateOf = (t: DocumentType): string => AGGREGATES[t];

/** The sales setup column naming the number series of new documents of a type. */
export const seriesColumn = (t: DocumentType): string => SERIES[t];
