import type { Queryable } from '../../db/db.ts';

/** How many shipments and invoices have been posted (for the `/metrics` counters). */
export async function postingCounts(
  db: Queryable,
): Promise<{ shipments: number; invoices: number }> {
  const r = await db.query<{ shipments: string; invoices: string }>(
    `SELECT (SELECT count(*) FROM erp.sales_shipment_headers) AS shipments,
            (SELECT count(*) FROM erp.sales_invoice_headers) AS invoices`,
  );
  return {
    shipments: Number(r.rows[0]?.shipments ?? 0),
    invoices: Number(r.rows[0]?.invoices ?? 0),
  };
}
