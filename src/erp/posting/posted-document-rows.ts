import type { Queryable } from '../../db/db.ts';
import { dec } from '../../shared/money.ts';
import type { HeaderRow } from '../documents/document-lines.ts';

/** A locked draft line with what posting needs to know about its item or resource. */
export type PostedLine = Record<string, string | null> & {
  id: string;
  line_type: string;
  line_number: number;
  number: string;
  quantity: string;
  object_blocked: boolean | null;
};

/** The parties, addresses and terms a posted document copies from its draft, as they were. */
export const PARTY_COLUMNS = [
  'sell_to_address_line1',
  'sell_to_address_line2',
  'sell_to_city',
  'sell_to_state',
  'sell_to_country',
  'sell_to_postal_code',
  'sell_to_phone_number',
  'sell_to_email',
  'bill_to_customer_number',
  'bill_to_name',
  'bill_to_address_line1',
  'bill_to_address_line2',
  'bill_to_city',
  'bill_to_state',
  'bill_to_country',
  'bill_to_postal_code',
  'ship_to_name',
  'ship_to_contact',
  'ship_to_address_line1',
  'ship_to_address_line2',
  'ship_to_city',
  'ship_to_state',
  'ship_to_country',
  'ship_to_postal_code',
  'currency_code',
  'currency_factor',
  'payment_terms_code',
  'shipment_method_code',
  'shipping_agent_code',
  'salesperson_code',
  'external_document_number',
  'your_reference',
  'work_description',
] as const;

/** Header columns a posted invoice and a posted credit memo copy from their draft. */
const COPIED = [
  'customer_number',
  'customer_name',
  ...PARTY_COLUMNS,
  'document_date',
  'invoice_discount_amount',
  'total_amount_excluding_tax',
  'total_tax_amount',
  'total_amount_including_tax',
];

const LINE_COLUMNS = [
  'line_number',
  'line_type',
  'number',
  'description',
  'attached_to_line_number',
  'unit_of_measure_code',
  'quantity',
  'unit_price',
  'line_discount_percent',
  'line_discount_amount',
  'inv_discount_amount',
  'tax_percent',
  'amount',
  'amount_including_tax',
];

/**
 * Writes the posted invoice or credit memo (header with the draft's id, its lines as they were
 * computed on the draft) and the item ledger entries of its item lines: an invoice's are sales
 * (negative, out of inventory), a credit memo's bring the quantity back.
 */
export async function insertPostedDocument(
  tx: Queryable,
  type: 'Invoice' | 'Credit Memo',
  header: HeaderRow,
  lines: readonly PostedLine[],
  o: { number: string; postingDate: string; dueDate: string },
): Promise<void> {
  const invoice = type === 'Invoice';
  const table = invoice ? 'erp.sales_invoice_headers' : 'erp.sales_cr_memo_headers';
  const cols: Record<string, unknown> = {
    id: header.id,
    number: o.number,
    posting_date: o.postingDate,
    due_date: o.dueDate,
    remaining_amount: header['total_amount_including_tax'],
    ...Object.fromEntries(COPIED.map((c) => [c, header[c] ?? null])),
    ...(invoice
      ? { quote_number: header['quote_number'] ?? '' }
      : { applies_to_invoice_number: header['applies_to_invoice_number'] ?? null }),
  };
  const names = Object.keys(cols);
  await tx.query(
    `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(cols),
  );
  const lineTable = invoice ? 'erp.sales_invoice_lines' : 'erp.sales_cr_memo_lines';
  // Lock the items in one order, so postings sharing items never deadlock.
  const items = lines.filter((l) => l.line_type === 'Item').map((l) => l.number);
  await tx.query(
    'SELECT 1 FROM erp.items WHERE number = ANY($1) ORDER BY number FOR NO KEY UPDATE',
    [items],
  );
  for (const l of lines) {
    await tx.query(
      `INSERT INTO ${lineTable} (document_id, ${LINE_COLUMNS.join(', ')})
       VALUES ($1, ${LINE_COLUMNS.map((_, i) => `$${i + 2}`).join(', ')})`,
      [header.id, ...LINE_COLUMNS.map((c) => l[c] ?? null)],
    );
    if (l.line_type !== 'Item' || !dec(l.quantity).gt(0)) continue;
    const base = dec(l.quantity).times(l['qty_per_unit_of_measure'] ?? 1);
    const change = invoice ? base.neg() : base;
    await tx.query(
      `INSERT INTO erp.item_ledger_entries (item_number, posting_date, entry_type, document_number, quantity)
       VALUES ($1, $2, 'Sale', $3, $4)`,
      [l.number, o.postingDate, o.number, change.toString()],
    );
    if (l['item_type'] === 'Inventory')
      await tx.query('UPDATE erp.items SET inventory = inventory + $2 WHERE number = $1', [
        l.number,
        change.toString(),
      ]);
  }
}
