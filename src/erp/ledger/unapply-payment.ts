import type { Clock } from '../../shared/clock.ts';
import { dec } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { atomic, type DbOrTx, emit } from '../records/transactions.ts';

export interface UnapplyResult {
  readonly paymentNumber: string;
  /** The invoices the payment was applied to, with what is open on them again. */
  readonly invoices: readonly { invoiceNumber: string; amount: string; remainingAmount: string }[];
}

/**
 * Undoes the applications of a payment (Business Central's "Unapply Entries"): each invoice it
 * paid is open again by the applied amount (its ledger entry and the posted invoice), and the
 * payment's own entry is open again by the same amount. The applications stay, marked undone.
 * A payment with nothing applied is refused (`nothing_to_unapply`).
 */
export function unapplyCustomerPayment(
  db: DbOrTx,
  input: { paymentNumber: string; postingDate?: string },
  clock: Clock,
): Promise<Result<UnapplyResult>> {
  return unapplyEntry(db, 'Payment', input.paymentNumber, input.postingDate, clock);
}

/**
 * Undoes the applications of a posted credit memo to invoices, as `unapplyCustomerPayment` does
 * for a payment: the invoices are open again by what it credited, and so is the credit memo.
 */
export async function unapplyCreditMemo(
  db: DbOrTx,
  input: { creditMemoNumber: string; postingDate?: string },
  clock: Clock,
): Promise<Result<{ creditMemoNumber: string; invoices: UnapplyResult['invoices'] }>> {
  const r = await unapplyEntry(db, 'Credit Memo', input.creditMemoNumber, input.postingDate, clock);
  if (!r.ok) return r;
  return ok({ creditMemoNumber: input.creditMemoNumber, invoices: r.value.invoices });
}

const EVENTS = {
  Payment: { type: 'customerPayment.unapplied', aggregate: 'customerPayment' },
  'Credit Memo': { type: 'salesCreditMemo.unapplied', aggregate: 'salesCreditMemo' },
} as const;

function unapplyEntry(
  db: DbOrTx,
  documentType: 'Payment' | 'Credit Memo',
  documentNumber: string,
  postingDate: string | undefined,
  clock: Clock,
): Promise<Result<UnapplyResult>> {
  const input = { postingDate };
  return atomic(db, async (tx) => {
    const pay = await tx.query<{ id: string; customer_number: string }>(
      `SELECT id, customer_number FROM erp.customer_ledger_entries
        WHERE document_type = $2 AND document_number = $1 FOR UPDATE`,
      [documentNumber, documentType],
    );
    const payment = pay.rows[0];
    if (!payment) return failure('not_found', `${documentType} ${documentNumber} does not exist`);
    const apps = await tx.query<{
      id: string;
      invoice_entry_id: string;
      amount: string;
      amount_lcy: string;
      invoice_number: string;
    }>(
      `SELECT a.id, a.invoice_entry_id, a.amount, a.amount_lcy, e.document_number AS invoice_number
         FROM erp.payment_applications a JOIN erp.customer_ledger_entries e ON e.id = a.invoice_entry_id
        WHERE a.payment_entry_id = $1 AND a.unapplied_at IS NULL
        ORDER BY e.document_number FOR UPDATE OF a, e`,
      [payment.id],
    );
    if (apps.rows.length === 0)
      return failure(
        'nothing_to_unapply',
        `${documentType} ${documentNumber} is not applied to any invoice`,
      );
    const date = input.postingDate ?? clock.now().toISOString().slice(0, 10);
    const invoices: { invoiceNumber: string; amount: string; remainingAmount: string }[] = [];
    let total = dec(0);
    let totalLcy = dec(0);
    for (const a of apps.rows) {
      const inv = await tx.query<{ remaining_amount: string }>(
        `UPDATE erp.customer_ledger_entries SET remaining_amount = remaining_amount + $2,
                remaining_amount_lcy = remaining_amount_lcy + $3, open = true, closed_at_date = NULL
          WHERE id = $1 RETURNING remaining_amount`,
        [a.invoice_entry_id, a.amount, a.amount_lcy],
      );
      const remaining = inv.rows[0]!.remaining_amount;
      await tx.query(
        `UPDATE erp.sales_invoice_headers SET remaining_amount = $2, status = 'Open' WHERE number = $1`,
        [a.invoice_number, remaining],
      );
      await tx.query('UPDATE erp.payment_applications SET unapplied_at = $2 WHERE id = $1', [
        a.id,
        date,
      ]);
      invoices.push({
        invoiceNumber: a.invoice_number,
        amount: dec(a.amount).toFixed(2),
        remainingAmount: dec(remaining).toFixed(2),
      });
      total = total.plus(a.amount);
      totalLcy = totalLcy.plus(a.amount_lcy);
    }
    await tx.query(
      `UPDATE erp.customer_ledger_entries SET remaining_amount = remaining_amount - $2,
              remaining_amount_lcy = remaining_amount_lcy - $3, open = true, closed_at_date = NULL
        WHERE id = $1`,
      [payment.id, total.toString(), totalLcy.toString()],
    );
    if (documentType === 'Credit Memo')
      await tx.query(
        `UPDATE erp.sales_cr_memo_headers SET remaining_amount = remaining_amount + $2, status = 'Open'
          WHERE number = $1`,
        [documentNumber, total.toString()],
      );
    const event = EVENTS[documentType];
    await emit(tx, event.type, event.aggregate, payment.id, {
      customerNumber: payment.customer_number,
      ...(documentType === 'Payment'
        ? { paymentNumber: documentNumber }
        : { creditMemoNumber: documentNumber }),
      invoices,
    });
    return ok({ paymentNumber: documentNumber, invoices });
  });
}
