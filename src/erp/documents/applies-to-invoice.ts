import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import type { OpenInvoiceEntry } from '../ledger/apply-to-invoice.ts';
import type { HeaderRow } from './document-lines.ts';

/** The posted invoice a credit memo applies to, with its customer ledger entry. */
export type AppliedInvoice = OpenInvoiceEntry;

/**
 * The posted invoice a credit memo names in `applies_to_invoice_number` (BC's Applies-to Doc.
 * No.), checked as BC does: it exists, belongs to the credit memo's bill-to customer and is in the
 * same currency. `lock` locks its ledger entry and header (posting applies the credit memo).
 * Quotes, orders, invoices and credit memos naming no invoice answer undefined.
 */
export async function appliesToInvoice(
  tx: Queryable,
  header: HeaderRow,
  lock = false,
): Promise<Result<AppliedInvoice | undefined>> {
  const number = header['applies_to_invoice_number'] as string | null;
  if (header.document_type !== 'Credit Memo' || !number) return ok(undefined);
  const r = await tx.query<{
    id: string;
    number: string;
    entry_id: string;
    customer_number: string;
    currency_code: string | null;
    amount: string;
    amount_lcy: string;
    remaining_amount: string;
    remaining_amount_lcy: string;
  }>(
    `SELECT h.id, h.number, e.id AS entry_id, e.customer_number, e.currency_code, e.amount,
            e.amount_lcy, e.remaining_amount, e.remaining_amount_lcy
       FROM erp.sales_invoice_headers h
       JOIN erp.customer_ledger_entries e ON e.document_type = 'Invoice' AND e.document_number = h.number
      WHERE h.number = $1${lock ? ' FOR UPDATE OF e, h' : ''}`,
    [number],
  );
  const inv = r.rows[0];
  if (!inv) return failure('invalid_reference', `Posted sales invoice ${number} does not exist`);
  const billTo = header['bill_to_customer_number'] as string;
  if (inv.customer_number !== billTo)
    return failure(
      'validation_failed',
      `Invoice ${number} belongs to customer ${inv.customer_number}, not ${billTo}`,
    );
  if ((inv.currency_code ?? null) !== (header.currency_code ?? null))
    return failure(
      'currency_mismatch',
      `Invoice ${number} is in ${inv.currency_code ?? 'the local currency'}; credit memo ${header.number} is in ${header.currency_code ?? 'the local currency'}`,
    );
  return ok({
    id: inv.id,
    number: inv.number,
    entryId: inv.entry_id,
    amount: inv.amount,
    amountLcy: inv.amount_lcy,
    remainingAmount: inv.remaining_amount,
    remainingAmountLcy: inv.remaining_amount_lcy,
  });
}
