import type { Db } from '../../db/db.ts';
import { AppError } from '../../shared/errors.ts';
import { apiEntity } from '../catalog/catalog.ts';
import { type DocumentType, headerDef, lineDef } from '../documents/document-types.ts';
import { getRecord } from '../records/record-store.ts';

/** The API's sets of sales documents written through the document services, by document type. */
export const HEADERS: Readonly<Record<string, DocumentType>> = {
  salesQuotes: 'Quote',
  salesOrders: 'Order',
  salesInvoices: 'Invoice',
  salesCreditMemos: 'Credit Memo',
};
export const LINES: Readonly<Record<string, DocumentType>> = {
  salesQuoteLines: 'Quote',
  salesOrderLines: 'Order',
  salesInvoiceLines: 'Invoice',
  salesCreditMemoLines: 'Credit Memo',
};
/** The lines' navigation property of each header set (deep insert takes it). */
export const LINE_NAV: Readonly<Record<string, string>> = {
  salesQuotes: 'salesQuoteLines',
  salesOrders: 'salesOrderLines',
  salesInvoices: 'salesInvoiceLines',
  salesCreditMemos: 'salesCreditMemoLines',
};

const WITH_POSTED = new Set(['Invoice', 'Credit Memo']);

/**
 * Sets that list drafts and posted documents together: a write to a posted one is refused with
 * `document_posted` (the draft services would only say "not found").
 */
export async function refuseIfPosted(db: Db, set: string, id: string): Promise<void> {
  const type = HEADERS[set] ?? LINES[set];
  if (!type || !WITH_POSTED.has(type)) return;
  const draft = HEADERS[set] ? headerDef(type) : lineDef(type);
  if ((await getRecord(db, draft, id)).ok) return;
  if ((await getRecord(db, apiEntity(set), id)).ok)
    throw new AppError(
      'document_posted',
      `${set}(${id}) is posted; a posted ${type.toLowerCase()} cannot be changed or deleted`,
    );
}
