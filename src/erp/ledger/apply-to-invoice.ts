import type { Queryable } from '../../db/db.ts';
import { type Dec, dec, roundAmount } from '../../shared/money.ts';

/** An invoice's open customer ledger entry, as an application needs it. */
export interface OpenInvoiceEntry {
  readonly id: string;
  readonly number: string;
  readonly entryId: string;
  readonly amount: string;
  readonly amountLcy: string;
  readonly remainingAmount: string;
  readonly remainingAmountLcy: string;
}

export interface Application {
  /** Applied amount in the invoice's currency and in LCY. */
  readonly applied: Dec;
  readonly appliedLcy: Dec;
  readonly invoiceRemaining: Dec;
}

/**
 * Applies up to `amount` of an applying entry (a credit memo's) to an invoice's open entry: the
 * invoice entry's remaining amount and the posted invoice's `remainingAmount` (status Paid at 0)
 * go down; the application is recorded so it can be undone. Remaining LCY goes down in proportion
 * (no exchange differences are posted), as payments do.
 */
export async function applyToInvoice(
  tx: Queryable,
  invoice: OpenInvoiceEntry,
  applyingEntryId: string,
  amount: Dec,
  o: { postingDate: string; lcyDecimals: number },
): Promise<Application> {
  const remaining = dec(invoice.remainingAmount);
  const applied = amount.lt(remaining) ? amount : remaining;
  const invoiceRemaining = remaining.minus(applied);
  const remainingLcy = invoiceRemaining.isZero()
    ? dec(0)
    : roundAmount(
        dec(invoice.amountLcy).times(invoiceRemaining).div(invoice.amount),
        o.lcyDecimals,
      );
  const appliedLcy = dec(invoice.remainingAmountLcy).minus(remainingLcy);
  if (applied.isZero()) return { applied, appliedLcy: dec(0), invoiceRemaining };
  await tx.query(
    `UPDATE erp.customer_ledger_entries SET remaining_amount = $2, remaining_amount_lcy = $3,
            open = $4, closed_at_date = CASE WHEN $4 THEN NULL ELSE $5::date END WHERE id = $1`,
    [
      invoice.entryId,
      invoiceRemaining.toString(),
      remainingLcy.toString(),
      !invoiceRemaining.isZero(),
      o.postingDate,
    ],
  );
  await tx.query(
    'UPDATE erp.sales_invoice_headers SET remaining_amount = $2, status = $3 WHERE id = $1',
    [invoice.id, invoiceRemaining.toString(), invoiceRemaining.isZero() ? 'Paid' : 'Open'],
  );
  await tx.query(
    `INSERT INTO erp.payment_applications (payment_entry_id, invoice_entry_id, amount, amount_lcy, posting_date)
     VALUES ($1, $2, $3, $4, $5)`,
    [applyingEntryId, invoice.entryId, applied.toString(), appliedLcy.toString(), o.postingDate],
  );
  return { applied, appliedLcy, invoiceRemaining };
}
