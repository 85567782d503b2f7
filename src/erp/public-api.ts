import { type Clock, isoDate, systemClock } from '../shared/clock.ts';
import './errors.ts';
/**
 * The ERP service layer other parts call directly (sync engine, flows, CLI). Every function takes
 * the pool or an open transaction first and returns a Result; see docs/erp.md.
 */

import { dec } from '../shared/money.ts';
import { failure, ok } from '../shared/result.ts';
import { entity } from './catalog/catalog.ts';
import type { ListQuery } from './query/list-query.ts';
import { createRecords, updateRecords } from './records/bulk-records.ts';
import {
  createRecord,
  deleteRecord,
  findRecord,
  getRecord,
  listRecords,
  updateRecord,
} from './records/record-store.ts';
import { atomic, type DbOrTx } from './records/transactions.ts';

export {
  type ChangedRecord,
  type ChangePage,
  changeHorizon,
  readChanges,
} from './changes/change-feed.ts';
export { freshenStatistics } from './changes/fresh-statistics.ts';
export { type PendingChanges, pendingChanges } from './changes/pending-changes.ts';
export { archiveDocument, getArchive, listArchives } from './documents/archives.ts';
export type { LineInput } from './documents/document-lines.ts';
export type { DocumentType } from './documents/document-types.ts';
export { changeStatus, makeOrderFromQuote } from './documents/release-and-convert.ts';
export {
  addSalesLine,
  createSalesDocument,
  deleteSalesDocument,
  deleteSalesLine,
  type NewSalesDocument,
  updateSalesDocument,
  updateSalesLine,
} from './documents/sales-documents.ts';
export { statusTransitions, validateTransition } from './documents/status-transitions.ts';
export {
  type PaymentInput,
  type PaymentResult,
  postCustomerPayment,
} from './ledger/customer-payments.ts';
export {
  type CustomerStatistics,
  customerStatistics,
  customersWithActivity,
} from './ledger/customer-statistics.ts';
export {
  type InvoicePaymentState,
  type InvoicePaymentStatus,
  invoicePaymentStates,
  invoicesWithLedgerActivity,
  paymentStatusOf,
} from './ledger/invoice-payment-status.ts';
export {
  type CustomerCurrencyStatistics,
  statisticsInCustomerCurrency,
} from './ledger/statistics-in-customer-currency.ts';
export {
  type UnapplyResult,
  unapplyCreditMemo,
  unapplyCustomerPayment,
} from './ledger/unapply-payment.ts';
export { companyExists, defaultCompany, ensureCompany } from './master-data/companies.ts';
export { applyDateFormula } from './master-data/date-formula.ts';
export {
  type PostableType,
  type PostDocumentResult,
  postSalesDocument,
} from './posting/post-sales-document.ts';
export {
  type PostOrderInput,
  type PostOrderResult,
  postSalesOrder,
} from './posting/post-sales-order.ts';
export { postingCounts } from './posting/posting-counts.ts';
export { listEntityPage } from './query/list-page.ts';
export type { ApiRecord, ListQuery } from './query/list-query.ts';
export { type DbOrTx, eachAtomic } from './records/transactions.ts';

/** Lists any entity set by its API name with OData options ($filter, $top, …). */
export const listEntities = (db: DbOrTx, set: string, q: ListQuery = {}) =>
  listRecords(db, entity(set), q);
/** One record of an entity set by id. */
export const getEntity = (db: DbOrTx, set: string, id: string) => getRecord(db, entity(set), id);
/** One record by a unique field, e.g. `findEntity(db, 'customers', 'number', 'C00010')`. */
export const findEntity = (db: DbOrTx, set: string, field: string, value: string) =>
  findRecord(db, entity(set), field, value);
/** Creates a master-data record (API field names; `number` from the series when omitted). */
export const createEntity = (db: DbOrTx, set: string, body: Record<string, unknown>) =>
  createRecord(db, entity(set), body);
/**
 * Creates many master-data records at once, all or nothing (set-based: a few statements for all;
 * the first refused body fails the call and nothing is written). See also `eachAtomic`.
 */
export const createEntities = (db: DbOrTx, set: string, bodies: readonly unknown[]) =>
  atomic(db, (tx) => createRecords(tx, entity(set), bodies));
/** Updates many master-data records at once (each id once), all or nothing, as createEntities. */
export const updateEntities = (
  db: DbOrTx,
  set: string,
  items: readonly { id: string; body: unknown }[],
) => atomic(db, (tx) => updateRecords(tx, entity(set), items));
/** Updates a master-data record; `ifMatch` is an ETag (or '*') checked under a row lock. */
export const updateEntity = (
  db: DbOrTx,
  set: string,
  id: string,
  body: Record<string, unknown>,
  options: { ifMatch?: string } = {},
) => updateRecord(db, entity(set), id, body, options);
/** Deletes a master-data record. */
export const deleteEntity = (
  db: DbOrTx,
  set: string,
  id: string,
  options: { ifMatch?: string } = {},
) => deleteRecord(db, entity(set), id, options);

/** The sales setup (write-in product, archive switches, number series). */
export async function getSalesSetup(db: DbOrTx) {
  const r = await listRecords(db, entity('salesSetup'), { top: 1 });
  return r.ok ? { ok: true as const, value: r.value[0]! } : r;
}

/** Changes the sales setup. */
export async function updateSalesSetup(db: DbOrTx, body: Record<string, unknown>) {
  const current = await getSalesSetup(db);
  if (!current.ok) return current;
  return updateRecord(db, entity('salesSetup'), current.value.id, body);
}

/** Adds (or with a negative quantity removes) inventory with an adjustment item ledger entry. */
export async function adjustInventory(
  db: DbOrTx,
  input: { itemNumber: string; quantity: string | number; postingDate?: string },
  clock: Clock = systemClock,
) {
  return atomic(db, async (tx) => {
    const q = dec(input.quantity);
    const r = await tx.query('UPDATE erp.items SET inventory = inventory + $2 WHERE number = $1', [
      input.itemNumber,
      q.toString(),
    ]);
    if (r.rowCount === 0)
      return failure('invalid_reference', `Item ${input.itemNumber} does not exist`);
    await tx.query(
      `INSERT INTO erp.item_ledger_entries (item_number, posting_date, entry_type, quantity)
       VALUES ($1, $2, $3, $4)`,
      [
        input.itemNumber,
        input.postingDate ?? isoDate(clock.now()),
        q.lt(0) ? 'Negative Adjmt.' : 'Positive Adjmt.',
        q.toString(),
      ],
    );
    return ok(undefined);
  });
}
