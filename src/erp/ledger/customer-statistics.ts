import { isoDate, systemClock } from '../../shared/clock.ts';
import { amountString, sum } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { changeHorizon } from '../changes/change-feed.ts';
import type { DbOrTx } from '../records/transactions.ts';

/** Customer statistics in the local currency, as BC's customer statistics / CRM account statistics. */
export interface CustomerStatistics {
  readonly customerId: string;
  readonly customerNumber: string;
  readonly displayName: string;
  /** Sum of remaining amounts of open ledger entries. */
  readonly balance: string;
  /** Order lines not shipped yet (incl. VAT). */
  readonly outstandingOrders: string;
  /** Order lines shipped but not invoiced (incl. VAT). */
  readonly shippedNotInvoiced: string;
  /** Unposted sales invoices: their lines incl. VAT (BC's Outstanding Invoices (LCY)). */
  readonly outstandingInvoices: string;
  /** balance + outstanding orders + shipped not invoiced + outstanding invoices. */
  readonly totalAmount: string;
  /** Posted sales excl. VAT, net of posted credit memos. */
  readonly totalSalesExcludingTax: string;
  /** Remaining amounts of open entries due before `asOfDate`. */
  readonly overdueAmount: string;
  readonly asOfDate: string;
  readonly creditLimit: string;
}

/** Computes customer statistics from the ledger and the open order lines (all in LCY). */
export async function customerStatistics(
  db: DbOrTx,
  customer: { number?: string; id?: string },
  asOfDate = isoDate(systemClock.now()),
): Promise<Result<CustomerStatistics>> {
  const r = await db.query<Record<string, string>>(
    `WITH c AS (SELECT * FROM erp.customers WHERE ${customer.id ? 'id = $1::uuid' : 'number = $1'}),
     lines AS (
       SELECT h.document_type, l.quantity, l.quantity_shipped, l.quantity_invoiced,
              l.amount_including_tax, l.amount_including_tax_invoiced, h.currency_factor
         FROM erp.sales_lines l JOIN erp.sales_headers h ON h.id = l.document_id
        WHERE h.document_type IN ('Order', 'Invoice') AND h.bill_to_customer_number = (SELECT number FROM c)
          AND l.line_type <> 'Comment' AND l.quantity > 0),
     orders AS (SELECT * FROM lines WHERE document_type = 'Order')
     SELECT c.id, c.number, c.display_name, c.credit_limit,
       (SELECT coalesce(sum(remaining_amount_lcy), 0) FROM erp.customer_ledger_entries e
         WHERE e.customer_number = c.number AND e.open) AS balance,
       (SELECT coalesce(sum(remaining_amount_lcy), 0) FROM erp.customer_ledger_entries e
         WHERE e.customer_number = c.number AND e.open AND e.due_date < $2::date) AS overdue,
       (SELECT coalesce(sum(sales_lcy), 0) FROM erp.customer_ledger_entries e
         WHERE e.customer_number = c.number AND e.document_type IN ('Invoice', 'Credit Memo')) AS sales,
       (SELECT coalesce(sum(round(amount_including_tax * (quantity - quantity_shipped) / quantity / currency_factor, 2)), 0) FROM orders) AS outstanding,
       (SELECT coalesce(sum(round(amount_including_tax / currency_factor, 2)), 0)
          FROM lines WHERE document_type = 'Invoice') AS invoices,
       (SELECT coalesce(sum(round(CASE WHEN quantity_shipped = quantity
                  THEN amount_including_tax - amount_including_tax_invoiced
                  ELSE amount_including_tax * (quantity_shipped - quantity_invoiced) / quantity END
                / currency_factor, 2)), 0) FROM orders) AS shipped
     FROM c`,
    [customer.id ?? customer.number, asOfDate],
  );
  const row = r.rows[0];
  if (!row) return failure('not_found', `No customer ${customer.number ?? customer.id}`);
  const balance = amountString(row['balance']!);
  const outstanding = amountString(row['outstanding']!);
  const shipped = amountString(row['shipped']!);
  const invoices = amountString(row['invoices']!);
  return ok({
    customerId: row['id']!,
    customerNumber: row['number']!,
    displayName: row['display_name']!,
    balance,
    outstandingOrders: outstanding,
    shippedNotInvoiced: shipped,
    outstandingInvoices: invoices,
    totalAmount: amountString(sum([balance, outstanding, shipped, invoices])),
    totalSalesExcludingTax: amountString(row['sales']!),
    overdueAmount: amountString(row['overdue']!),
    asOfDate,
    creditLimit: amountString(row['credit_limit']!),
  });
}

/**
 * Customers whose statistics may have changed after `afterSeq` (ledger entries, headers or lines
 * of orders, invoices and credit memos changed), up to the commit-safe horizon: the input of a periodic "update account
 * statistics" job. Documents deleted by users are not visible here (see the `salesOrder.deleted`
 * and `salesInvoice.deleted` outbox events, which carry the customer number). Returns the numbers and the next watermark.
 */
export async function customersWithActivity(
  db: DbOrTx,
  afterSeq: number,
): Promise<Result<{ customerNumbers: string[]; nextSeq: number }>> {
  const horizon = await changeHorizon(db);
  const r = await db.query<{ n: string }>(
    `SELECT customer_number AS n FROM erp.customer_ledger_entries
      WHERE change_seq > $1 AND change_seq <= $2
     UNION
     SELECT bill_to_customer_number FROM erp.sales_headers
      WHERE document_type <> 'Quote' AND change_seq > $1 AND change_seq <= $2
     UNION
     SELECT h.bill_to_customer_number FROM erp.sales_lines l
       JOIN erp.sales_headers h ON h.id = l.document_id
      WHERE h.document_type <> 'Quote' AND l.change_seq > $1 AND l.change_seq <= $2
     UNION
     SELECT number FROM erp.customers WHERE change_seq > $1 AND change_seq <= $2
     ORDER BY 1`,
    [afterSeq, horizon],
  );
  return ok({ customerNumbers: r.rows.map((x) => x.n), nextSeq: Math.max(afterSeq, horizon) });
}
