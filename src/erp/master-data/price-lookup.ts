import type { Queryable } from '../../db/db.ts';
import { type Dec, dec } from '../../shared/money.ts';

/** What decides a sales price. */
export interface PriceContext {
  readonly itemNumber: string;
  readonly customerNumber: string;
  readonly customerPriceGroupCode: string | null;
  readonly currencyCode: string | null;
  readonly currencyFactor: Dec;
  readonly unitOfMeasureCode: string | null;
  readonly qtyPerUnitOfMeasure: Dec;
  readonly quantity: Dec;
  readonly date: string;
  /** VAT % of the line: an item price that includes VAT is divided by (1 + VAT %). */
  readonly vatPercent: Dec;
}

/**
 * The best (lowest) unit price as BC's legacy price calculation: sales prices for the customer, its
 * price group or all customers, in the document currency, for the unit (or the base unit, scaled),
 * with minimum quantity and dates; otherwise the item's unit price (without VAT when the item's
 * price includes it) converted to the currency.
 */
export async function bestUnitPrice(tx: Queryable, c: PriceContext): Promise<Dec> {
  const r = await tx.query<{ unit_price: string; per_base: boolean }>(
    `SELECT unit_price, unit_of_measure_code IS NULL AS per_base FROM erp.sales_prices
      WHERE item_number = $1
        AND (sales_type = 'All Customers'
             OR (sales_type = 'Customer' AND sales_code = $2)
             OR (sales_type = 'Customer Price Group' AND sales_code = $3))
        AND coalesce(currency_code, '') = $4
        AND (unit_of_measure_code IS NULL OR unit_of_measure_code = $5)
        AND minimum_quantity <= $6
        AND (starting_date IS NULL OR starting_date <= $7)
        AND (ending_date IS NULL OR ending_date >= $7)`,
    [
      c.itemNumber,
      c.customerNumber,
      c.customerPriceGroupCode ?? '',
      c.currencyCode ?? '',
      c.unitOfMeasureCode ?? '',
      c.quantity.toString(),
      c.date,
    ],
  );
  const candidates = r.rows.map((row) =>
    row.per_base ? dec(row.unit_price).times(c.qtyPerUnitOfMeasure) : dec(row.unit_price),
  );
  if (candidates.length > 0) {
    return candidates.reduce((a, b) => (b.lt(a) ? b : a)).toDecimalPlaces(2);
  }
  const item = await tx.query<{ unit_price: string; price_includes_tax: boolean }>(
    'SELECT unit_price, price_includes_tax FROM erp.items WHERE number = $1',
    [c.itemNumber],
  );
  const row = item.rows[0];
  const base = row?.price_includes_tax
    ? dec(row.unit_price).div(c.vatPercent.div(100).plus(1))
    : dec(row?.unit_price ?? 0);
  return base.times(c.qtyPerUnitOfMeasure).times(c.currencyFactor).toDecimalPlaces(2);
}
