import type { Queryable } from '../../db/db.ts';
import { type Clock, isoDate, systemClock } from '../../shared/clock.ts';
import { dec } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { archiveInTx, archiveSwitch } from '../documents/archives.ts';
import type { HeaderRow } from '../documents/document-lines.ts';
import { setStatus } from '../documents/release-and-convert.ts';
import { loadHeader } from '../documents/sales-documents.ts';
import { amountDecimals, localCurrency } from '../master-data/currencies.ts';
import { applyDateFormula } from '../master-data/date-formula.ts';
import { nextNumber } from '../records/number-series.ts';
import { atomic, type DbOrTx, emit } from '../records/transactions.ts';
import { postInvoiceInTx } from './post-invoice.ts';
import { postShipmentInTx } from './post-shipment.ts';
import type { PostingLine } from './posting-line.ts';

/** What to post: ship and/or invoice, optionally with per-line quantities (by `sequence`). */
export interface PostOrderInput {
  readonly ship: boolean;
  readonly invoice: boolean;
  readonly postingDate?: string;
  readonly lines?: readonly {
    readonly sequence: number;
    readonly shipQuantity?: string | number;
    readonly invoiceQuantity?: string | number;
  }[];
}

export interface PostOrderResult {
  readonly orderId: string;
  readonly orderNumber: string;
  readonly shipmentId?: string;
  readonly shipmentNumber?: string;
  readonly invoiceId?: string;
  readonly invoiceNumber?: string;
  /** True when the order was fully shipped and invoiced and so deleted, as BC does. */
  readonly orderDeleted: boolean;
}

/**
 * Posts a sales order as BC does, in ONE transaction: checks (customer/item blocked, lines,
 * quantities), releases an open order, posts the shipment (item ledger, inventory), the invoice
 * (posted invoice + lines, customer ledger entry with due date), and deletes the order when fully
 * shipped and invoiced. The header is locked FOR UPDATE first, so concurrent postings serialize:
 * the second one sees the result of the first (e.g. the order gone).
 */
export function postSalesOrder(
  db: DbOrTx,
  orderId: string,
  input: PostOrderInput,
  clock: Clock = systemClock,
): Promise<Result<PostOrderResult>> {
  return atomic(db, async (tx) => {
    if (!input.ship && !input.invoice)
      return failure('validation_failed', 'Choose ship, invoice or both');
    const loaded = await loadHeader(tx, orderId, 'Order', true);
    if (!loaded.ok) return loaded;
    const header = loaded.value;
    const postingDate = input.postingDate ?? isoDate(clock.now());
    const checked = await checkCustomer(tx, header, input);
    if (!checked.ok) return checked;
    const lines = await linesToPost(tx, header, input);
    if (!lines.ok) return lines;
    if (header.status === 'Open') {
      const released = await setStatus(tx, 'Order', orderId, 'release');
      if (!released.ok) return released;
    }
    const setup = await tx.query<{ ship: string; inv: string }>(
      'SELECT posted_shipment_nos AS ship, posted_invoice_nos AS inv FROM erp.sales_setup',
    );
    let shipment: { id: string; number: string } | undefined;
    if (lines.value.some((l) => l.ship.gt(0))) {
      const number = await nextNumber(tx, setup.rows[0]!.ship, {
        table: 'erp.sales_shipment_headers',
      });
      if (!number.ok) return number;
      shipment = await postShipmentInTx(tx, header, lines.value, number.value, postingDate);
    }
    let invoice: { id: string; number: string } | undefined;
    if (lines.value.some((l) => l.invoice.gt(0))) {
      const number = await nextNumber(tx, setup.rows[0]!.inv, {
        table: 'erp.sales_invoice_headers',
      });
      if (!number.ok) return number;
      const terms = await tx.query<{ f: string }>(
        'SELECT due_date_calculation AS f FROM erp.payment_terms WHERE code = $1',
        [header['payment_terms_code']],
      );
      const due = applyDateFormula(terms.rows[0]?.f ?? '0D', postingDate);
      if (!due.ok) return due;
      const dp = await amountDecimals(tx, header.currency_code);
      const lcy = await localCurrency(tx);
      invoice = await postInvoiceInTx(tx, header, lines.value, {
        number: number.value,
        postingDate,
        dueDate: due.value,
        decimals: dp,
        lcyDecimals: lcy.decimals,
      });
    }
    await tx.query(
      `UPDATE erp.sales_lines SET ship_quantity = quantity - quantity_shipped,
              invoice_quantity = quantity - quantity_invoiced
        WHERE document_id = $1 AND line_type <> 'Comment'
          AND (ship_quantity, invoice_quantity) IS DISTINCT FROM (quantity - quantity_shipped, quantity - quantity_invoiced)`,
      [orderId],
    );
    const open = await tx.query(
      `SELECT 1 FROM erp.sales_lines WHERE document_id = $1 AND line_type <> 'Comment'
          AND (quantity_shipped < quantity OR quantity_invoiced < quantity) LIMIT 1`,
      [orderId],
    );
    const done = open.rowCount === 0;
    if (done) {
      if (await archiveSwitch(tx, 'Order')) {
        const archived = await archiveInTx(tx, 'Order', orderId);
        if (!archived.ok) return archived;
      }
      await tx.query('DELETE FROM erp.sales_headers WHERE id = $1', [orderId]);
      await emit(tx, 'salesOrder.deleted', 'salesOrder', orderId, {
        number: header.number,
        reason: 'posted',
        customerNumber: header.customer_number,
        lastInvoiceNumber: invoice?.number ?? null,
      });
    }
    return ok({
      orderId,
      orderNumber: header.number,
      shipmentId: shipment?.id,
      shipmentNumber: shipment?.number,
      invoiceId: invoice?.id,
      invoiceNumber: invoice?.number,
      orderDeleted: done,
    });
  });
}

async function checkCustomer(
  tx: Queryable,
  header: HeaderRow & Record<string, unknown>,
  input: PostOrderInput,
): Promise<Result<void>> {
  const r = await tx.query<{ number: string; blocked: string }>(
    'SELECT number, blocked FROM erp.customers WHERE number = ANY($1)',
    [[header.customer_number, header['bill_to_customer_number']]],
  );
  for (const c of r.rows) {
    if (c.blocked === 'All' || c.blocked === 'Invoice' || (c.blocked === 'Ship' && input.ship))
      return failure(
        'customer_blocked',
        `Customer ${c.number} is blocked (${c.blocked}); order ${header.number} cannot be posted`,
      );
  }
  return ok(undefined);
}

async function linesToPost(
  tx: Queryable,
  header: HeaderRow,
  input: PostOrderInput,
): Promise<Result<PostingLine[]>> {
  const rows = (
    await tx.query<PostingLine['row']>(
      `SELECT l.*, coalesce(i.blocked, r.blocked, false) AS object_blocked, i.type AS item_type
         FROM erp.sales_lines l
         LEFT JOIN erp.items i ON l.line_type = 'Item' AND i.number = l.number
         LEFT JOIN erp.resources r ON l.line_type = 'Resource' AND r.number = l.number
        WHERE l.document_id = $1 ORDER BY l.line_number FOR UPDATE OF l`,
      [header.id],
    )
  ).rows;
  const postable = rows.filter((l) => l.line_type !== 'Comment' && dec(l.quantity ?? 0).gt(0));
  if (postable.length === 0)
    return failure('no_lines', `Order ${header.number} has no lines to post`);
  const overrides = new Map((input.lines ?? []).map((l) => [l.sequence, l]));
  for (const seq of overrides.keys()) {
    if (!postable.some((l) => l.line_number === seq))
      return failure('validation_failed', `Order ${header.number} has no line ${seq} to post`);
  }
  const result: PostingLine[] = [];
  for (const row of rows) {
    if (row.line_type === 'Comment') {
      result.push({ row, ship: dec(0), invoice: dec(0) });
      continue;
    }
    const o = overrides.get(row.line_number);
    const ship = input.ship ? dec(o?.shipQuantity ?? row['ship_quantity']!) : dec(0);
    // As BC: choosing a quantity to ship sets the quantity to invoice to all shipped, not invoiced.
    const shipThenInvoice = o?.shipQuantity !== undefined && o.invoiceQuantity === undefined;
    const invoice = !input.invoice
      ? dec(0)
      : shipThenInvoice
        ? dec(row['quantity_shipped']!).plus(ship).minus(row['quantity_invoiced']!)
        : dec(o?.invoiceQuantity ?? row['invoice_quantity']!);
    if (ship.lt(0) || invoice.lt(0))
      return failure(
        'validation_failed',
        `Line ${row.line_number}: quantities must not be negative`,
      );
    const toShip = dec(row['quantity']!).minus(row['quantity_shipped']!);
    if (ship.gt(toShip))
      return failure(
        'quantity_exceeds_remaining',
        `Line ${row.line_number}: cannot ship ${ship} when ${toShip} remains to be shipped`,
      );
    const invoiceable = dec(row['quantity_shipped']!).plus(ship).minus(row['quantity_invoiced']!);
    if (invoice.gt(invoiceable))
      return failure(
        'quantity_exceeds_remaining',
        `Line ${row.line_number}: cannot invoice ${invoice} when ${invoiceable} is shipped and not invoiced`,
      );
    if ((ship.gt(0) || invoice.gt(0)) && row['object_blocked'])
      return failure(
        row.line_type === 'Item' ? 'item_blocked' : 'resource_blocked',
        `${row.line_type} ${row['number']} on line ${row.line_number} is blocked`,
      );
    result.push({ row, ship, invoice });
  }
  if (!result.some((l) => l.ship.gt(0) || l.invoice.gt(0)))
    return failure('nothing_to_post', `There is nothing to post for order ${header.number}`);
  return ok(result);
}
