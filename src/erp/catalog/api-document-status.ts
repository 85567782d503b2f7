import type { DocumentType } from '../documents/document-types.ts';
import type { DocumentStatus } from '../documents/status-transitions.ts';
import { salesOrders, salesQuotes } from './document-entities.ts';
import { type EntityDef, f } from './field-types.ts';

/*
 * BC API v2.0 does not show a quote's or an order's own Status (Open, Released, …): its
 * `salesOrders` and `salesQuotes` read entity buffers whose status is another enum, set by
 * codeunits 5496 "Graph Mgt - Sales Order Buffer" and 5506 "Graph Mgt - Sales Quote Buffer".
 * The services, the integration and the web pages keep this ERP's Open/Released; only the HTTP
 * API answers BC's values (docs/erp.md §5).
 */

/**
 * An order's `status` in the API (`salesOrderEntityBufferStatus`): Released is Open, Open is
 * Draft. BC also has Pending Approval → In Review and Pending Prepayment → Open; this ERP has
 * neither approvals nor prepayments, so In Review is declared but never answered.
 */
export const orderApiStatus: Readonly<Record<DocumentStatus, string>> = {
  Open: 'Draft',
  Released: 'Open',
};
export const orderApiValues = ['Draft', 'In Review', 'Open'] as const;

/**
 * A quote's `status` in the API (`salesQuoteEntityBufferStatus`). BC derives it from Quote
 * Accepted (Accepted) and Quote Sent to Customer (Sent), else Draft, whatever the quote's
 * Open/Released; it never sets Expired. This ERP neither sends nor accepts quotes (`sentDate` and
 * `acceptedDate` are null), so every quote reads Draft.
 */
export const quoteApiStatus = 'Draft';
export const quoteApiValues = ['Draft', 'Sent', 'Accepted', 'Expired'] as const;

const orderStatusSql = `CASE t.status ${Object.entries(orderApiStatus)
  .map(([from, to]) => `WHEN '${from}' THEN '${to}'`)
  .join(' ')} END`;

const withStatus = (def: EntityDef, sql: string, values: readonly string[]): EntityDef => ({
  ...def,
  fields: def.fields.map((x) =>
    x.name === 'status' ? f('status', 'string', { sql, readOnly: true, values }) : x,
  ),
});

/** The API's `salesQuotes` and `salesOrders`: the services' sets with BC's status. */
export const salesQuotesApi = withStatus(salesQuotes, `'${quoteApiStatus}'`, quoteApiValues);
export const salesOrdersApi = withStatus(salesOrders, orderStatusSql, orderApiValues);

/**
 * A quote or order the services answered (create, update, release, reopen, make order), with the
 * status the API reads for it; other documents are returned unchanged.
 */
export function withApiStatus<T>(type: DocumentType, record: T): T {
  if (typeof record !== 'object' || record === null || !('status' in record)) return record;
  if (type === 'Quote') return { ...record, status: quoteApiStatus };
  if (type !== 'Order') return record;
  const status = orderApiStatus[record.status as DocumentStatus];
  return status === undefined ? record : { ...record, status };
}
