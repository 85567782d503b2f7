import type { Db } from '../../db/db.ts';
import { AppError } from '../../shared/errors.ts';
import { agree } from '../../shared/plural.ts';
import { apiEntity, type EntityDef } from '../catalog/catalog.ts';
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

/**
 * Refuses a write of a field BC API v2.0 documents as read-only while the ERP's services still
 * write it (a document's bill-to name and address): the same `read_only_field` as any read-only
 * field. `def` is the header's or the line's definition; `body` the request's JSON.
 */
export function refuseApiReadOnly(def: EntityDef, body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const fields = def.fields.filter((x) => x.apiReadOnly && x.name in body).map((x) => x.name);
  if (fields.length > 0)
    throw new AppError(
      'read_only_field',
      `${agree(fields.length, 'Read-only field', 'Read-only fields')}: ${fields.join(', ')}`,
      {
        details: { fields },
      },
    );
}

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
