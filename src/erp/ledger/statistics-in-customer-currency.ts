import { amountString, sum } from '../../shared/money.ts';
import { ok, type Result } from '../../shared/result.ts';
import type { DbOrTx } from '../records/transactions.ts';

/** A customer's statistics in the customer's own currency (what the CRM account shows). */
export interface CustomerCurrencyStatistics {
  readonly customerId: string;
  readonly customerNumber: string;
  readonly displayName: string;
  /** The customer's currency; null is the local currency. */
  readonly currencyCode: string | null;
  readonly balance: string;
  readonly outstandingOrders: string;
  readonly shippedNotInvoiced: string;
  /** Unposted sales invoices (their lines incl. VAT, BC's Outstanding Invoices). */
  readonly outstandingInvoices: string;
  readonly totalAmount: string;
  readonly totalSalesExcludingTax: string;
  readonly overdueAmount: string;
  readonly asOfDate: string;
  readonly creditLimit: string;
}

/**
 * Customer statistics of many customers at once, in each customer's currency. Amounts kept in that
 * currency (ledger entries, posted invoices and credit memos, orders and unposted invoices in the
 * customer's currency) are summed as they
 * are, so a USD customer's total sales equal its USD invoices to the cent; anything in another
 * currency is converted through the local currency at the rate of `asOfDate`. The credit limit is
 * kept in the local currency by the ERP and converted the same way.
 */
export async function statisticsInCustomerCurrency(
  db: DbOrTx,
  customerNumbers: readonly string[],
  asOfDate: string,
): Promise<Result<CustomerCurrencyStatistics[]>> {
  if (customerNumbers.length === 0) return ok([]);
  const r = await db.query<Record<string, string | null>>(
    `WITH c AS (
       SELECT c.id, c.number, c.display_name, c.currency_code, c.credit_limit,
              coalesce((SELECT x.exchange_rate_amount / x.relational_exchange_rate_amount
                          FROM erp.currency_exchange_rates x
                         WHERE x.currency_code = c.currency_code AND x.starting_date <= $2::date
                         ORDER BY x.starting_date DESC LIMIT 1), 1) AS factor
         FROM erp.customers c WHERE c.number = ANY($1::text[])),
     ledger AS (
       SELECT e.customer_number,
              sum(CASE WHEN coalesce(e.currency_code, '') = coalesce(c.currency_code, '')
                       THEN e.remaining_amount ELSE round(e.remaining_amount_lcy * c.factor, 2) END)
                FILTER (WHERE e.open) AS balance,
              sum(CASE WHEN coalesce(e.currency_code, '') = coalesce(c.currency_code, '')
                       THEN e.remaining_amount ELSE round(e.remaining_amount_lcy * c.factor, 2) END)
                FILTER (WHERE e.open AND e.due_date < $2::date) AS overdue
         FROM erp.customer_ledger_entries e JOIN c ON c.number = e.customer_number
        GROUP BY e.customer_number),
     posted AS (
       SELECT bill_to_customer_number, currency_code, currency_factor, total_amount_excluding_tax
         FROM erp.sales_invoice_headers
       UNION ALL
       SELECT bill_to_customer_number, currency_code, currency_factor, -total_amount_excluding_tax
         FROM erp.sales_cr_memo_headers),
     sales AS (
       SELECT h.bill_to_customer_number AS customer_number,
              sum(CASE WHEN coalesce(h.currency_code, '') = coalesce(c.currency_code, '')
                       THEN h.total_amount_excluding_tax
                       ELSE round(h.total_amount_excluding_tax / h.currency_factor * c.factor, 2) END) AS sales
         FROM posted h JOIN c ON c.number = h.bill_to_customer_number
        GROUP BY h.bill_to_customer_number),
     lines AS (
       SELECT h.bill_to_customer_number AS customer_number,
              CASE WHEN coalesce(h.currency_code, '') = coalesce(c.currency_code, '') THEN 1
                   ELSE c.factor / h.currency_factor END AS rate,
              h.document_type, l.quantity, l.quantity_shipped, l.quantity_invoiced,
              l.amount_including_tax, l.amount_including_tax_invoiced
         FROM erp.sales_lines l JOIN erp.sales_headers h ON h.id = l.document_id
         JOIN c ON c.number = h.bill_to_customer_number
        WHERE h.document_type IN ('Order', 'Invoice') AND l.line_type <> 'Comment' AND l.quantity > 0),
     orders AS (
       SELECT customer_number,
              sum(round(amount_including_tax * (quantity - quantity_shipped) / quantity * rate, 2))
                FILTER (WHERE document_type = 'Order') AS outstanding,
              sum(round(CASE WHEN quantity_shipped = quantity
                             THEN amount_including_tax - amount_including_tax_invoiced
                             ELSE amount_including_tax * (quantity_shipped - quantity_invoiced) / quantity END
                        * rate, 2)) FILTER (WHERE document_type = 'Order') AS shipped,
              sum(round(amount_including_tax * rate, 2))
                FILTER (WHERE document_type = 'Invoice') AS invoices
         FROM lines GROUP BY customer_number)
     SELECT c.id, c.number, c.display_name, c.currency_code,
            round(c.credit_limit * c.factor, 2) AS credit_limit,
            coalesce(ledger.balance, 0) AS balance, coalesce(ledger.overdue, 0) AS overdue,
            coalesce(sales.sales, 0) AS sales, coalesce(orders.outstanding, 0) AS outstanding,
            coalesce(orders.shipped, 0) AS shipped, coalesce(orders.invoices, 0) AS invoices
       FROM c LEFT JOIN ledger ON ledger.customer_number = c.number
       LEFT JOIN sales ON sales.customer_number = c.number
       LEFT JOIN orders ON orders.customer_number = c.number
      ORDER BY c.number`,
    [customerNumbers, asOfDate],
  );
  return ok(
    r.rows.map((row) => {
      const balance = amountString(row['balance']!);
      const outstanding = amountString(row['outstanding']!);
      const shipped = amountString(row['shipped']!);
      const outstandingInvoices = amountString(row['invoices']!);
      return {
        customerId: row['id']!,
        customerNumber: row['number']!,
        displayName: row['display_name']!,
        currencyCode: row['currency_code'] ?? null,
        balance,
        outstandingOrders: outstanding,
        shippedNotInvoiced: shipped,
        outstandingInvoices,
        totalAmount: amountString(sum([balance, outstanding, shipped, outstandingInvoices])),
        totalSalesExcludingTax: amountString(row['sales']!),
        overdueAmount: amountString(row['overdue']!),
        asOfDate,
        creditLimit: amountString(row['credit_limit']!),
      };
    }),
  );
}
