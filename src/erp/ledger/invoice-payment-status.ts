import { amountString, dec } from '../../shared/money.ts';
import { ok, type Result } from '../../shared/result.ts';
import type { DbOrTx } from '../records/transactions.ts';

/**
 * How much of a posted invoice is paid, from its customer ledger entry: `Open` (nothing applied),
 * `Partial` (something applied, something left) or `Paid` (nothing left).
 */
export type InvoicePaymentStatus = 'Open' | 'Partial' | 'Paid';

export interface InvoicePaymentState {
  readonly invoiceId: string;
  readonly invoiceNumber: string;
  readonly customerNumber: string;
  readonly currencyCode: string | null;
  /** The invoice's amount including tax, in its currency. */
  readonly amount: string;
  readonly remainingAmount: string;
  readonly status: InvoicePaymentStatus;
}

export function paymentStatusOf(amount: string, remaining: string): InvoicePaymentStatus {
  if (dec(remaining).isZero()) return 'Paid';
  return dec(remaining).eq(dec(amount)) ? 'Open' : 'Partial';
}

/** The payment state of posted invoices (by id), read from their ledger entries. */
export async function invoicePaymentStates(
  db: DbOrTx,
  invoiceIds: readonly string[],
): Promise<Result<InvoicePaymentState[]>> {
  if (invoiceIds.length === 0) return ok([]);
  const r = await db.query<{
    id: string;
    number: string;
    customer_number: string;
    currency_code: string | null;
    amount: string;
    remaining_amount: string;
  }>(
    `SELECT h.id, h.number, e.customer_number, e.currency_code, e.amount, e.remaining_amount
       FROM erp.sales_invoice_headers h
       JOIN erp.customer_ledger_entries e ON e.document_type = 'Invoice' AND e.document_number = h.number
      WHERE h.id = ANY($1::uuid[])
      ORDER BY h.number`,
    [invoiceIds],
  );
  return ok(
    r.rows.map((row) => ({
      invoiceId: row.id,
      invoiceNumber: row.number,
      customerNumber: row.customer_number,
      currencyCode: row.currency_code,
      amount: amountString(row.amount),
      remainingAmount: amountString(row.remaining_amount),
      status: paymentStatusOf(row.amount, row.remaining_amount),
    })),
  );
}

/**
 * Posted invoices whose ledger entry changed after `afterSeq` (a payment or credit memo applied,
 * an application undone), up to the commit-safe horizon, and the watermark to store.
 */
export async function invoicesWithLedgerActivity(
  db: DbOrTx,
  afterSeq: number,
): Promise<Result<{ invoiceIds: string[]; nextSeq: number }>> {
  const h = await db.query<{ h: number }>('SELECT erp.change_horizon() AS h');
  const horizon = Number(h.rows[0]!.h);
  const r = await db.query<{ id: string }>(
    `SELECT h.id FROM erp.customer_ledger_entries e
       JOIN erp.sales_invoice_headers h ON h.number = e.document_number
      WHERE e.document_type = 'Invoice' AND e.change_seq > $1 AND e.change_seq <= $2
      ORDER BY h.number`,
    [afterSeq, horizon],
  );
  return ok({ invoiceIds: r.rows.map((x) => x.id), nextSeq: Math.max(afterSeq, horizon) });
}
