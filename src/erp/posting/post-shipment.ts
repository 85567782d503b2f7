import type { Queryable } from '../../db/db.ts';
import { dec } from '../../shared/money.ts';
import type { HeaderRow } from '../documents/document-lines.ts';
import { emit } from '../records/transactions.ts';
import type { PostingLine } from './posting-line.ts';

/** Writes the posted shipment, item ledger entries and inventory decrease; updates shipped qty. */
export async function postShipmentInTx(
  tx: Queryable,
  header: HeaderRow & Record<string, unknown>,
  lines: readonly PostingLine[],
  number: string,
  postingDate: string,
): Promise<{ id: string; number: string }> {
  const h = await tx.query<{ id: string }>(
    `INSERT INTO erp.sales_shipment_headers (number, order_id, order_number, customer_number,
            customer_name, posting_date, your_reference, external_document_number, ship_to_name,
            shipment_method_code, shipping_agent_code)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      number,
      header.id,
      header.number,
      header.customer_number,
      header['customer_name'],
      postingDate,
      header['your_reference'],
      header['external_document_number'],
      header['ship_to_name'],
      header['shipment_method_code'],
      header['shipping_agent_code'],
    ],
  );
  const id = h.rows[0]!.id;
  // Lock the items in one order, so postings of orders sharing items never deadlock.
  const itemNumbers = lines
    .filter((l) => l.ship.gt(0) && l.row.line_type === 'Item')
    .map((l) => l.row['number']);
  await tx.query(
    'SELECT 1 FROM erp.items WHERE number = ANY($1) ORDER BY number FOR NO KEY UPDATE',
    [itemNumbers],
  );
  for (const l of lines) {
    if (!l.ship.gt(0)) continue;
    const r = l.row;
    await tx.query(
      `INSERT INTO erp.sales_shipment_lines (document_id, line_number, line_type, number, description,
              unit_of_measure_code, quantity, order_line_number)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $2)`,
      [
        id,
        r.line_number,
        r.line_type,
        r['number'],
        r['description'],
        r['unit_of_measure_code'],
        l.ship.toString(),
      ],
    );
    await tx.query(
      'UPDATE erp.sales_lines SET quantity_shipped = quantity_shipped + $2 WHERE id = $1',
      [r.id, l.ship.toString()],
    );
    if (r.line_type === 'Item') {
      const base = l.ship.times(r['qty_per_unit_of_measure'] ?? 1);
      await tx.query(
        `INSERT INTO erp.item_ledger_entries (item_number, posting_date, entry_type, document_number, quantity)
         VALUES ($1, $2, 'Sale', $3, $4)`,
        [r['number'], postingDate, number, base.neg().toString()],
      );
      if (r['item_type'] === 'Inventory') {
        await tx.query('UPDATE erp.items SET inventory = inventory - $2 WHERE number = $1', [
          r['number'],
          base.toString(),
        ]);
      }
    }
  }
  await tx.query('UPDATE erp.sales_headers SET last_shipment_date = $2 WHERE id = $1', [
    header.id,
    postingDate,
  ]);
  await emit(tx, 'salesOrder.shipmentPosted', 'salesOrder', header.id, {
    number: header.number,
    shipmentId: id,
    shipmentNumber: number,
    customerNumber: header.customer_number,
    postingDate,
    lines: lines
      .filter((l) => l.ship.gt(0))
      .map((l) => ({ sequence: l.row.line_number, quantity: Number(dec(l.ship)) })),
  });
  return { id, number };
}
