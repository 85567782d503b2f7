import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';

/** Sales setup must name an existing write-in item/resource and existing number series. */
export async function checkSalesSetup(tx: Queryable, id: string): Promise<Result<void>> {
  const r = await tx.query<{
    type: string;
    number: string | null;
    found: boolean;
    missing: string[];
  }>(
    `SELECT s.write_in_product_type AS type, s.write_in_product_number AS number,
            CASE WHEN s.write_in_product_type = 'Item'
                 THEN EXISTS (SELECT 1 FROM erp.items i WHERE i.number = s.write_in_product_number)
                 ELSE EXISTS (SELECT 1 FROM erp.resources r WHERE r.number = s.write_in_product_number)
            END AS found,
            ARRAY(SELECT c FROM unnest(ARRAY[s.customer_nos, s.contact_nos, s.item_nos,
                    s.resource_nos, s.quote_nos, s.order_nos, s.posted_invoice_nos,
                    s.posted_shipment_nos, s.payment_nos]) AS c
                  WHERE NOT EXISTS (SELECT 1 FROM erp.number_series n WHERE n.code = c)) AS missing
       FROM erp.sales_setup s WHERE s.id = $1`,
    [id],
  );
  const row = r.rows[0];
  if (row?.number && !row.found)
    return failure(
      'invalid_reference',
      `The write-in product ${row.type} ${row.number} does not exist`,
    );
  if (row && row.missing.length > 0)
    return failure('invalid_reference', `Unknown number series: ${row.missing.join(', ')}`);
  return ok(undefined);
}
