import type { Queryable } from '../../db/db.ts';
import {
  type ApiRecord,
  addSalesLine,
  archiveDocument,
  changeStatus,
  createSalesDocument,
  deleteSalesLine,
  getEntity,
  type LineInput,
  listEntities,
  updateSalesDocument,
} from '../../erp/public-api.ts';
import { type AppFailure, failure, ok, type Result } from '../../shared/result.ts';
import { insertCoupling } from '../../sync/couplings/coupling-repo.ts';
import { QUOTE_COUPLING, removeCouplingOfErp } from '../shared/document-couplings.ts';

const refused = (what: string, e: AppFailure) =>
  failure(e.code, `The ERP refused ${what}: ${e.message}`, e.details);

/** Creates the ERP quote of a CRM quote (same id) and couples them, in the caller's transaction. */
export async function createErpQuote(
  tx: Queryable,
  crmId: string,
  header: Record<string, unknown>,
  lines: readonly LineInput[],
  label: string,
): Promise<Result<ApiRecord>> {
  const created = await createSalesDocument(tx, {
    documentType: 'Quote',
    header: { ...header, id: crmId },
    lines,
  });
  if (!created.ok) return refused(label, created.error);
  await insertCoupling(tx, { ...QUOTE_COUPLING, erpId: crmId, crmId });
  return created;
}

/**
 * A new revision of a CRM quote replaces the ERP quote's content in place: the current version is
 * archived (numbered 1, 2, … as the ERP numbers archive versions), the quote reopened if released,
 * its lines replaced, its header updated, and the coupling moved to the new revision.
 */
export async function reviseErpQuote(
  tx: Queryable,
  erpQuoteId: string,
  newCrmId: string,
  header: Record<string, unknown>,
  lines: readonly LineInput[],
  label: string,
): Promise<Result<ApiRecord>> {
  const current = await getEntity(tx, 'salesQuotes', erpQuoteId);
  if (!current.ok) return current;
  const archived = await archiveDocument(tx, 'Quote', erpQuoteId);
  if (!archived.ok) return refused(label, archived.error);
  if (current.value['status'] === 'Released') {
    const reopened = await changeStatus(tx, 'Quote', erpQuoteId, 'reopen');
    if (!reopened.ok) return refused(label, reopened.error);
  }
  const old = await listEntities(tx, 'salesQuoteLines', {
    filter: `documentId eq ${erpQuoteId}`,
    top: 10_000,
  });
  if (!old.ok) return old;
  // Comment lines first, so no product line is deleted while text is still attached to it.
  const ordered = [...old.value].sort(
    (a, b) => Number(b['lineType'] === 'Comment') - Number(a['lineType'] === 'Comment'),
  );
  for (const line of ordered) {
    const d = await deleteSalesLine(tx, 'Quote', String(line['id']));
    if (!d.ok) return refused(label, d.error);
  }
  const { customerNumber: _keep, ...changes } = header;
  const updated = await updateSalesDocument(tx, 'Quote', erpQuoteId, {
    ...changes,
    ...(header.customerNumber !== current.value['customerNumber']
      ? { customerNumber: header.customerNumber }
      : {}),
  });
  if (!updated.ok) return refused(label, updated.error);
  for (const line of lines) {
    const added = await addSalesLine(tx, 'Quote', erpQuoteId, line);
    if (!added.ok) return refused(label, added.error);
  }
  await removeCouplingOfErp(tx, QUOTE_COUPLING.erpTable, erpQuoteId);
  await insertCoupling(tx, { ...QUOTE_COUPLING, erpId: erpQuoteId, crmId: newCrmId });
  const after = await getEntity(tx, 'salesQuotes', erpQuoteId);
  return after.ok ? ok(after.value) : after;
}
