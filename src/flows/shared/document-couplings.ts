import type { Queryable } from '../../db/db.ts';
import {
  archiveDocument,
  deleteSalesDocument,
  getEntity,
  getSalesSetup,
} from '../../erp/public-api.ts';
import { ok, type Result } from '../../shared/result.ts';

/** How an ERP order made from a CRM order is coupled (the SALESORDER-ORDER mapping syncs it). */
export const ORDER_COUPLING = {
  mappingName: 'SALESORDER-ORDER',
  erpTable: 'salesOrders',
  crmEntity: 'salesorder',
} as const;

/** How an ERP quote made from a CRM quote is coupled (no field mapping: the quote flow owns it). */
export const QUOTE_COUPLING = {
  mappingName: 'SALESQUOTE-QUOTE',
  erpTable: 'salesQuotes',
  crmEntity: 'quote',
} as const;

/** Removes the coupling of an ERP record (any state). */
export async function removeCouplingOfErp(db: Queryable, erpTable: string, erpId: string) {
  await db.query('DELETE FROM integration.couplings WHERE erp_table = $1 AND erp_id = $2', [
    erpTable,
    erpId,
  ]);
}

/**
 * Archives an ERP quote as a new version and deletes it (it became an order, or was lost). The
 * archive is written once: by the deletion when Sales setup archives quotes, else explicitly.
 * Returns false when the quote does not exist (any more).
 */
export async function archiveAndDeleteQuote(
  tx: Queryable,
  quoteId: string,
): Promise<Result<boolean>> {
  const quote = await getEntity(tx, 'salesQuotes', quoteId);
  if (!quote.ok) return ok(false);
  const setup = await getSalesSetup(tx);
  if (!setup.ok) return setup;
  if (setup.value['archiveQuotes'] !== true) {
    const archived = await archiveDocument(tx, 'Quote', quoteId);
    if (!archived.ok) return archived;
  }
  const deleted = await deleteSalesDocument(tx, 'Quote', quoteId);
  if (!deleted.ok) return deleted;
  await removeCouplingOfErp(tx, QUOTE_COUPLING.erpTable, quoteId);
  return ok(true);
}
