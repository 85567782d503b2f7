import type { Queryable } from '../../db/db.ts';
import { type Dec, dec, roundAmount, sum } from '../../shared/money.ts';
import type { HeaderRow } from '../documents/document-lines.ts';
import { emit } from '../records/transactions.ts';
import { PARTY_COLUMNS } from './posted-document-rows.ts';
import type { PostingLine } from './posting-line.ts';

interface InvoiceLineAmounts {
  readonly line: PostingLine;
  readonly amount: Dec;
  readonly amountIncl: Dec;
  readonly lineDiscount: Dec;
  readonly invDiscount: Dec;
}

/**
 * The invoiced share of each line. The last invoice of a line takes what is left (amount minus
 * what earlier invoices took), so partial invoices add up to the order line to the cent.
 */
function invoiceAmounts(lines: readonly PostingLine[], dp: number): InvoiceLineAmounts[] {
  return lines
    .filter((l) => l.invoice.gt(0))
    .map((l) => {
      const r = l.row;
      const quantity = dec(r['quantity']!);
      const share = l.invoice.div(quantity);
      const final = l.invoice.eq(quantity.minus(r['quantity_invoiced']!));
      const amount = final
        ? dec(r['amount']!).minus(r['amount_invoiced']!)
        : roundAmount(dec(r['amount']!).times(share), dp);
      const amountIncl = final
        ? dec(r['amount_including_tax']!).minus(r['amount_including_tax_invoiced']!)
        : amount.plus(roundAmount(amount.times(r['tax_percent']!).div(100), dp));
      return {
        line: l,
        amount,
        amountIncl,
        lineDiscount: roundAmount(dec(r['line_discount_amount']!).times(share), dp),
        invDiscount: roundAmount(dec(r['inv_discount_amount']!).times(share), dp),
      };
    });
}

/** What a posted invoice copies from its order besides amounts: see PARTY_COLUMNS. */
const ADDRESS_COLUMNS = [...PARTY_COLUMNS, 'quote_number', 'customer_name'];

/**
 * Writes the posted sales invoice (header + lines incl. attached comments), the customer ledger
 * entry (original = remaining = amount incl. VAT; LCY via the order's currency factor; due date),
 * updates invoiced quantities/amounts on the order lines and emits `salesOrder.invoicePosted`.
 */
export async function postInvoiceInTx(
  tx: Queryable,
  header: HeaderRow & Record<string, unknown>,
  lines: readonly PostingLine[],
  o: {
    number: string;
    postingDate: string;
    dueDate: string;
    decimals: number;
    lcyDecimals: number;
  },
): Promise<{ id: string; number: string }> {
  const amounts = invoiceAmounts(lines, o.decimals);
  const net = sum(amounts.map((a) => a.amount));
  const incl = sum(amounts.map((a) => a.amountIncl));
  const invDisc = sum(amounts.map((a) => a.invDiscount));
  const lastShipment = await tx.query<{ d: string | null }>(
    'SELECT last_shipment_date AS d FROM erp.sales_headers WHERE id = $1',
    [header.id],
  );
  const cols = [
    'number',
    'order_id',
    'order_number',
    'customer_number',
    'posting_date',
    'document_date',
    'due_date',
    'shipment_date',
    'invoice_discount_amount',
    'total_amount_excluding_tax',
    'total_tax_amount',
    'total_amount_including_tax',
    'remaining_amount',
    ...ADDRESS_COLUMNS,
  ];
  const values = [
    o.number,
    header.id,
    header.number,
    header.customer_number,
    o.postingDate,
    o.postingDate,
    o.dueDate,
    lastShipment.rows[0]?.d ?? null,
    invDisc.toString(),
    net.toString(),
    incl.minus(net).toString(),
    incl.toString(),
    incl.toString(),
    ...ADDRESS_COLUMNS.map((c) => header[c] ?? null),
  ];
  const h = await tx.query<{ id: string }>(
    `INSERT INTO erp.sales_invoice_headers (${cols.join(', ')})
     VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    values,
  );
  const id = h.rows[0]!.id;
  const invoicedNumbers = new Set(amounts.map((a) => a.line.row.line_number));
  for (const l of lines) {
    const r = l.row;
    const a = amounts.find((x) => x.line === l);
    const attached =
      r.line_type === 'Comment' && invoicedNumbers.has(Number(r['attached_to_line_number']));
    if (!a && !attached) continue;
    await tx.query(
      `INSERT INTO erp.sales_invoice_lines (document_id, line_number, line_type, number, description,
              attached_to_line_number, unit_of_measure_code, quantity, unit_price, line_discount_percent,
              line_discount_amount, inv_discount_amount, tax_percent, amount, amount_including_tax,
              order_line_number)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $2)`,
      [
        id,
        r.line_number,
        r.line_type,
        r['number'],
        r['description'],
        r['attached_to_line_number'],
        r['unit_of_measure_code'],
        a ? l.invoice.toString() : '0',
        a ? r['unit_price'] : '0',
        a ? r['line_discount_percent'] : '0',
        a ? a.lineDiscount.toString() : '0',
        a ? a.invDiscount.toString() : '0',
        a ? r['tax_percent'] : '0',
        a ? a.amount.toString() : '0',
        a ? a.amountIncl.toString() : '0',
      ],
    );
    if (a) {
      await tx.query(
        `UPDATE erp.sales_lines SET quantity_invoiced = quantity_invoiced + $2,
                amount_invoiced = amount_invoiced + $3,
                amount_including_tax_invoiced = amount_including_tax_invoiced + $4
          WHERE id = $1`,
        [r.id, l.invoice.toString(), a.amount.toString(), a.amountIncl.toString()],
      );
    }
  }
  const factor = dec(header.currency_factor);
  const inclLcy = roundAmount(incl.div(factor), o.lcyDecimals);
  const netLcy = roundAmount(net.div(factor), o.lcyDecimals);
  const entry = await tx.query<{ id: string }>(
    `INSERT INTO erp.customer_ledger_entries (customer_number, posting_date, document_type,
            document_number, description, external_document_number, currency_code, amount, amount_lcy,
            sales_lcy, remaining_amount, remaining_amount_lcy, due_date)
     VALUES ($1, $2, 'Invoice', $3, $4, $5, $6, $7, $8, $9, $7, $8, $10) RETURNING id`,
    [
      header['bill_to_customer_number'],
      o.postingDate,
      o.number,
      `Order ${header.number}`,
      header['external_document_number'] ?? '',
      header.currency_code,
      incl.toString(),
      inclLcy.toString(),
      netLcy.toString(),
      o.dueDate,
    ],
  );
  await emit(tx, 'salesOrder.invoicePosted', 'salesOrder', header.id, {
    number: header.number,
    invoiceId: id,
    invoiceNumber: o.number,
    customerNumber: header.customer_number,
    customerLedgerEntryId: entry.rows[0]!.id,
    currencyCode: header.currency_code,
    totalAmountIncludingTax: incl.toFixed(o.decimals),
    dueDate: o.dueDate,
  });
  return { id, number: o.number };
}
