import type { Queryable } from '../../db/db.ts';
import { type Dec, dec, roundAmount, sum } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { amountDecimals } from '../master-data/currencies.ts';
import { bestUnitPrice } from '../master-data/price-lookup.ts';
import type { DocumentType } from './document-types.ts';

/** The header columns line logic needs. */
export interface HeaderRow {
  readonly id: string;
  readonly document_type: DocumentType;
  readonly number: string;
  readonly status: 'Open' | 'Released';
  readonly customer_number: string;
  readonly customer_price_group_code: string | null;
  readonly currency_code: string | null;
  readonly currency_factor: string;
  readonly document_date: string;
  readonly posting_date: string;
  readonly invoice_discount_amount: string;
  readonly [column: string]: unknown;
}

/** A line as a service caller writes it (API field names). */
export interface LineInput {
  readonly lineType?: 'Item' | 'Resource' | 'Comment';
  readonly lineObjectNumber?: string;
  readonly description?: string;
  readonly sequence?: number;
  readonly attachedToSequence?: number | null;
  readonly unitOfMeasureCode?: string | null;
  /** BC's taxCode: the line's tax group (default: the item's or resource's). */
  readonly taxCode?: string | null;
  readonly quantity?: string | number;
  readonly unitPrice?: string | number;
  readonly discountPercent?: string | number;
  readonly discountAmount?: string | number;
  readonly requestedDeliveryDate?: string | null;
  readonly shipQuantity?: string | number;
  readonly invoiceQuantity?: string | number;
}

/** Column values of a new line, resolved from the item/resource, prices and units. */
export async function resolveLine(
  tx: Queryable,
  header: HeaderRow,
  input: LineInput,
): Promise<Result<Record<string, unknown>>> {
  const lineType = input.lineType ?? (input.lineObjectNumber ? 'Item' : 'Comment');
  const quantity = dec(input.quantity ?? 0);
  if (lineType === 'Comment') {
    return ok({
      line_type: 'Comment',
      number: '',
      description: input.description ?? '',
      attached_to_line_number: input.attachedToSequence ?? null,
      quantity: '0',
    });
  }
  if (!input.lineObjectNumber)
    return failure('validation_failed', `An ${lineType} line needs lineObjectNumber`);
  const table = lineType === 'Item' ? 'erp.items' : 'erp.resources';
  const r = await tx.query<{
    display_name: string;
    base_unit_of_measure_code: string | null;
    unit_cost: string;
    unit_price: string;
    blocked: boolean;
    tax_group_code: string | null;
    vat_percent: string | null;
  }>(
    `SELECT t.display_name, t.base_unit_of_measure_code, t.unit_cost, t.unit_price, t.blocked,
            t.tax_group_code, v.vat_percent
       FROM ${table} t LEFT JOIN erp.vat_posting_groups v ON v.code = t.tax_group_code
      WHERE t.number = $1`,
    [input.lineObjectNumber],
  );
  const obj = r.rows[0];
  if (!obj)
    return failure('invalid_reference', `${lineType} ${input.lineObjectNumber} does not exist`);
  if (obj.blocked)
    return failure(
      lineType === 'Item' ? 'item_blocked' : 'resource_blocked',
      `${lineType} ${input.lineObjectNumber} is blocked`,
    );
  const uom = input.unitOfMeasureCode || obj.base_unit_of_measure_code;
  let qtyPer = dec(1);
  if (uom && uom !== obj.base_unit_of_measure_code) {
    const u = await tx.query<{ q: string }>(
      lineType === 'Item'
        ? 'SELECT qty_per_unit_of_measure AS q FROM erp.item_units_of_measure WHERE item_number = $1 AND code = $2'
        : 'SELECT qty_per_unit_of_measure AS q FROM erp.resource_units_of_measure WHERE resource_number = $1 AND code = $2',
      [input.lineObjectNumber, uom],
    );
    if (!u.rows[0])
      return failure(
        'unit_of_measure_missing',
        `${lineType} ${input.lineObjectNumber} has no unit of measure ${uom}`,
      );
    qtyPer = dec(u.rows[0].q);
  }
  const tax =
    input.taxCode === undefined
      ? ok({ code: obj.tax_group_code, percent: obj.vat_percent ?? '0' })
      : await taxGroup(tx, input.taxCode);
  if (!tax.ok) return tax;
  const factor = dec(header.currency_factor);
  const unitPrice =
    input.unitPrice !== undefined
      ? dec(input.unitPrice)
      : lineType === 'Item'
        ? await bestUnitPrice(tx, {
            itemNumber: input.lineObjectNumber,
            customerNumber: header.customer_number,
            customerPriceGroupCode: header.customer_price_group_code,
            currencyCode: header.currency_code,
            currencyFactor: factor,
            unitOfMeasureCode: uom,
            qtyPerUnitOfMeasure: qtyPer,
            quantity,
            date: header.document_date,
            vatPercent: dec(obj.vat_percent ?? 0),
          })
        : dec(obj.unit_price).times(qtyPer).times(factor).toDecimalPlaces(2);
  const isOrder = header.document_type === 'Order';
  return ok({
    line_type: lineType,
    number: input.lineObjectNumber,
    description: input.description ?? obj.display_name,
    attached_to_line_number: input.attachedToSequence ?? null,
    unit_of_measure_code: uom,
    qty_per_unit_of_measure: qtyPer.toString(),
    quantity: quantity.toString(),
    unit_price: unitPrice.toString(),
    unit_cost: dec(obj.unit_cost).times(qtyPer).toString(),
    line_discount_percent: String(input.discountPercent ?? 0),
    line_discount_amount: String(input.discountAmount ?? 0),
    tax_group_code: tax.value.code,
    tax_percent: tax.value.percent,
    requested_delivery_date: input.requestedDeliveryDate ?? null,
    ship_quantity: String(input.shipQuantity ?? (isOrder ? quantity.toString() : 0)),
    invoice_quantity: String(input.invoiceQuantity ?? (isOrder ? quantity.toString() : 0)),
  });
}

/** A tax group by code (BC's taxCode on a line): its VAT %; none (blank) is 0 %. */
export async function taxGroup(
  tx: Queryable,
  code: string | null,
): Promise<Result<{ code: string | null; percent: string }>> {
  if (!code) return ok({ code: null, percent: '0' });
  const r = await tx.query<{ vat_percent: string }>(
    'SELECT vat_percent FROM erp.vat_posting_groups WHERE code = $1',
    [code],
  );
  if (!r.rows[0]) return failure('invalid_reference', `Tax group ${code} does not exist`);
  return ok({ code, percent: r.rows[0].vat_percent });
}

/** Business Central's largest amount (its Decimal stops short of ±1e15). */
const AMOUNT_LIMIT = '999999999999999.99';

interface CalcLine {
  id: string;
  quantity: string;
  unit_price: string;
  line_discount_percent: string;
  line_discount_amount: string;
  inv_discount_amount: string;
  tax_percent: string;
  amount: string;
  amount_including_tax: string;
}

/**
 * Recomputes line amounts and header totals: line amount = round(qty × price) − line discount;
 * the header's invoice discount is allocated over lines in proportion (the last line takes the
 * rounding rest); VAT per line; totals are sums. Rows are only written when a value changed.
 */
export async function recalcDocument(tx: Queryable, documentId: string): Promise<Result<void>> {
  const h = await tx.query<{ currency_code: string | null; invoice_discount_amount: string }>(
    'SELECT currency_code, invoice_discount_amount FROM erp.sales_headers WHERE id = $1',
    [documentId],
  );
  const header = h.rows[0];
  if (!header) return failure('not_found', `No sales document ${documentId}`);
  const dp = await amountDecimals(tx, header.currency_code);
  const lines = (
    await tx.query<CalcLine>(
      `SELECT id, quantity, unit_price, line_discount_percent, line_discount_amount,
              inv_discount_amount, tax_percent, amount, amount_including_tax
         FROM erp.sales_lines WHERE document_id = $1 AND line_type <> 'Comment' ORDER BY line_number`,
      [documentId],
    )
  ).rows;
  const lineAmounts: { line: CalcLine; lineDisc: Dec; lineAmount: Dec }[] = lines.map((line) => {
    const gross = roundAmount(dec(line.quantity).times(line.unit_price), dp);
    const pct = dec(line.line_discount_percent);
    let lineDisc = pct.gt(0)
      ? roundAmount(gross.times(pct).div(100), dp)
      : dec(line.line_discount_amount);
    if (lineDisc.gt(gross)) lineDisc = gross;
    return { line, lineDisc, lineAmount: gross.minus(lineDisc) };
  });
  const total = sum(lineAmounts.map((x) => x.lineAmount));
  const invDisc = dec(header.invoice_discount_amount);
  if (invDisc.gt(total))
    return failure(
      'invalid_amount',
      `The invoice discount ${invDisc.toFixed(dp)} is more than the lines' amount ${total.toFixed(dp)}`,
    );
  let allocated = dec(0);
  const lastWithAmount = lineAmounts.map((x) => x.lineAmount.gt(0)).lastIndexOf(true);
  let net = dec(0);
  let incl = dec(0);
  for (const [i, x] of lineAmounts.entries()) {
    const alloc =
      i === lastWithAmount
        ? invDisc.minus(allocated)
        : total.isZero()
          ? dec(0)
          : roundAmount(invDisc.times(x.lineAmount).div(total), dp);
    allocated = allocated.plus(alloc);
    const amount = x.lineAmount.minus(alloc);
    const amountIncl = amount.plus(roundAmount(amount.times(x.line.tax_percent).div(100), dp));
    net = net.plus(amount);
    incl = incl.plus(amountIncl);
    // Each value may be within range while quantity × price is not (1e14 × 1e3): BC stops such a
    // line with an overflow instead of storing an amount JSON cannot carry exactly (rolled back).
    if (amountIncl.abs().gt(AMOUNT_LIMIT) || incl.abs().gt(AMOUNT_LIMIT))
      return failure(
        'invalid_amount',
        `The amount ${(amountIncl.abs().gt(AMOUNT_LIMIT) ? amountIncl : incl).toFixed(dp)} (quantity × unit price, with tax) is beyond the largest amount, ${AMOUNT_LIMIT}`,
      );
    if (
      !dec(x.line.amount).eq(amount) ||
      !dec(x.line.amount_including_tax).eq(amountIncl) ||
      !dec(x.line.inv_discount_amount).eq(alloc) ||
      !dec(x.line.line_discount_amount).eq(x.lineDisc)
    ) {
      await tx.query(
        `UPDATE erp.sales_lines SET amount = $2, amount_including_tax = $3, inv_discount_amount = $4,
                line_discount_amount = $5 WHERE id = $1`,
        [
          x.line.id,
          amount.toString(),
          amountIncl.toString(),
          alloc.toString(),
          x.lineDisc.toString(),
        ],
      );
    }
  }
  await tx.query(
    `UPDATE erp.sales_headers SET total_amount_excluding_tax = $2, total_tax_amount = $3,
            total_amount_including_tax = $4
      WHERE id = $1 AND (total_amount_excluding_tax, total_tax_amount, total_amount_including_tax)
            IS DISTINCT FROM ($2::numeric, $3::numeric, $4::numeric)`,
    [documentId, net.toString(), incl.minus(net).toString(), incl.toString()],
  );
  return ok(undefined);
}

/** Inserts resolved line columns; the line number is the next multiple of 10000 unless given. */
export async function insertLine(
  tx: Queryable,
  documentId: string,
  cols: Record<string, unknown>,
  lineNumber?: number,
  id?: string,
): Promise<string> {
  let n = lineNumber;
  if (!n) {
    const r = await tx.query<{ n: number }>(
      'SELECT coalesce(max(line_number), 0) + 10000 AS n FROM erp.sales_lines WHERE document_id = $1',
      [documentId],
    );
    n = Number(r.rows[0]!.n);
  }
  const all: Record<string, unknown> = { ...cols, document_id: documentId, line_number: n };
  if (id) all['id'] = id;
  const names = Object.keys(all);
  const r = await tx.query<{ id: string }>(
    `INSERT INTO erp.sales_lines (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    Object.values(all),
  );
  return r.rows[0]!.id;
}
