import { salesOrdersApi, salesQuotesApi } from './api-document-status.ts';
import { documentEntities } from './document-entities.ts';
import type { EntityDef } from './field-types.ts';
import {
  draftInvoiceSets,
  postedSalesInvoiceLines,
  postedSalesInvoices,
  salesCreditMemoLines,
  salesCreditMemos,
  salesInvoiceDocumentLines,
  salesInvoiceDocuments,
} from './invoice-credit-memo-entities.ts';
import { masterEntities } from './master-data-entities.ts';

export type { EntityDef, FieldDef, FieldType } from './field-types.ts';

/**
 * Every entity set the ERP's services know, by its BC v2.0 name. Here `salesInvoices` are the
 * posted invoices (what the flows couple to CRM invoices); see `apiEntities` for the API's sets.
 */
export const entities: ReadonlyMap<string, EntityDef> = new Map(
  [
    ...masterEntities,
    ...documentEntities,
    postedSalesInvoices,
    postedSalesInvoiceLines,
    salesCreditMemos,
    salesCreditMemoLines,
    ...draftInvoiceSets,
  ].map((e) => [e.set, e]),
);

/** Sets the API reads in its own way (they replace the services' sets of the same name). */
const API_ONLY: readonly EntityDef[] = [
  salesInvoiceDocuments,
  salesInvoiceDocumentLines,
  salesQuotesApi,
  salesOrdersApi,
];
const SERVICE_ONLY = new Set(draftInvoiceSets.map((e) => e.set));

/**
 * The entity sets the ERP API serves: as in BC v2.0, `salesInvoices` (and their lines) list the
 * draft invoices and the posted ones together, and `salesQuotes` / `salesOrders` answer BC's
 * status values (`api-document-status.ts`).
 */
export const apiEntities: ReadonlyMap<string, EntityDef> = new Map([
  ...[...entities.entries()].filter(([set]) => !SERVICE_ONLY.has(set)),
  ...API_ONLY.map((e): [string, EntityDef] => [e.set, e]),
]);

/** The entity definition of a set (throws for a name that is not in the catalogue: a bug). */
export function entity(set: string): EntityDef {
  const e = entities.get(set);
  if (!e) throw new Error(`Unknown ERP entity set ${set}`);
  return e;
}

/** The API's definition of a set (throws for a name the API does not serve: a bug). */
export function apiEntity(set: string): EntityDef {
  const e = apiEntities.get(set);
  if (!e) throw new Error(`Unknown ERP API entity set ${set}`);
  return e;
}
