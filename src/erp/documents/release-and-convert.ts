import type { Queryable } from '../../db/db.ts';
import { type Clock, isoDate, systemClock } from '../../shared/clock.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { salesOrders } from '../catalog/document-entities.ts';
import { currencyFactor } from '../master-data/currencies.ts';
import type { ApiRecord } from '../query/list-query.ts';
import { nextNumber } from '../records/number-series.ts';
import { getRecord } from '../records/record-store.ts';
import { atomic, type DbOrTx, emit } from '../records/transactions.ts';
import { archiveInTx, archiveSwitch } from './archives.ts';
import { recalcDocument } from './document-lines.ts';
import { aggregateOf, type DocumentType, headerDef } from './document-types.ts';
import { loadHeader } from './sales-documents.ts';
import { type StatusAction, validateTransition } from './status-transitions.ts';

const aggregate = aggregateOf;

/** Release (Open → Released) or reopen (Released → Open) a quote/order; orders emit events. */
export function changeStatus(
  db: DbOrTx,
  type: DocumentType,
  id: string,
  action: StatusAction,
): Promise<Result<ApiRecord>> {
  return atomic(db, async (tx) => {
    const r = await setStatus(tx, type, id, action);
    if (!r.ok) return r;
    return getRecord(tx, headerDef(type), id);
  });
}

/** The status change inside a transaction (posting releases with it too). */
export async function setStatus(
  tx: Queryable,
  type: DocumentType,
  id: string,
  action: StatusAction,
): Promise<Result<void>> {
  const header = await loadHeader(tx, id, type, true);
  if (!header.ok) return header;
  const to = validateTransition(header.value.status, action);
  if (!to.ok) return to;
  if (action === 'release') {
    const lines = await tx.query(
      `SELECT 1 FROM erp.sales_lines WHERE document_id = $1 AND line_type <> 'Comment' AND quantity > 0 LIMIT 1`,
      [id],
    );
    if (lines.rowCount === 0)
      return failure('no_lines', `There is nothing to release for ${type} ${header.value.number}`);
  }
  await tx.query('UPDATE erp.sales_headers SET status = $2 WHERE id = $1', [id, to.value]);
  await emit(
    tx,
    `${aggregate(type)}.${action === 'release' ? 'released' : 'reopened'}`,
    aggregate(type),
    id,
    {
      number: header.value.number,
      customerNumber: header.value.customer_number,
      status: to.value,
    },
  );
  return ok(undefined);
}

let headerColumns: string[] | undefined;

async function copyableHeaderColumns(tx: Queryable): Promise<string[]> {
  if (!headerColumns) {
    const r = await tx.query<{ c: string }>(
      `SELECT column_name AS c FROM information_schema.columns
        WHERE table_schema = 'erp' AND table_name = 'sales_headers' ORDER BY ordinal_position`,
    );
    const skip = new Set([
      'id',
      'document_type',
      'number',
      'status',
      'quote_number',
      'last_modified_at',
      'change_seq',
      'modified_by',
      'change_xid',
      'currency_factor',
      'document_date',
      'posting_date',
    ]);
    headerColumns = r.rows.map((x) => x.c).filter((c) => !skip.has(c));
  }
  return headerColumns;
}

/**
 * Makes an order from a quote as BC: a new order (Open, `quoteNumber` = the quote's number) with the
 * quote's header and lines, the quote archived (if the setup says so) and deleted; event
 * `salesQuote.madeIntoOrder`. Options: `orderId` to choose the new order's id (exactly-once callers).
 */
export function makeOrderFromQuote(
  db: DbOrTx,
  quoteId: string,
  options: { orderId?: string; date?: string } = {},
  clock: Clock = systemClock,
): Promise<Result<ApiRecord>> {
  return atomic(db, async (tx) => {
    const quote = await loadHeader(tx, quoteId, 'Quote', true);
    if (!quote.ok) return quote;
    const blocked = await tx.query<{ blocked: string }>(
      'SELECT blocked FROM erp.customers WHERE number = $1',
      [quote.value.customer_number],
    );
    if (blocked.rows[0]?.blocked === 'All')
      return failure(
        'customer_blocked',
        `Customer ${quote.value.customer_number} is blocked (All)`,
      );
    const lines = await tx.query(
      `SELECT 1 FROM erp.sales_lines WHERE document_id = $1 AND line_type <> 'Comment' AND quantity > 0 LIMIT 1`,
      [quoteId],
    );
    if (lines.rowCount === 0)
      return failure('no_lines', `Quote ${quote.value.number} has no lines`);
    const series = await tx.query<{ s: string }>('SELECT order_nos AS s FROM erp.sales_setup');
    const number = await nextNumber(tx, series.rows[0]!.s, { table: 'erp.sales_headers' });
    if (!number.ok) return number;
    const date = options.date ?? isoDate(clock.now());
    const factor = await currencyFactor(tx, quote.value.currency_code, date);
    if (!factor.ok) return factor;
    const cols = await copyableHeaderColumns(tx);
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO erp.sales_headers (id, document_type, number, status, quote_number, currency_factor,
              document_date, posting_date, ${cols.join(', ')})
       SELECT coalesce($2::uuid, gen_random_uuid()), 'Order', $3, 'Open', number, $4, $5, $5, ${cols.join(', ')}
         FROM erp.sales_headers WHERE id = $1 RETURNING id`,
      [quoteId, options.orderId ?? null, number.value, factor.value.toString(), date],
    );
    const orderId = inserted.rows[0]!.id;
    await tx.query(
      `INSERT INTO erp.sales_lines (document_id, line_number, line_type, number, description,
              attached_to_line_number, unit_of_measure_code, qty_per_unit_of_measure, quantity,
              unit_price, unit_cost, line_discount_percent, line_discount_amount, tax_group_code,
              tax_percent, requested_delivery_date, ship_quantity, invoice_quantity)
       SELECT $2, line_number, line_type, number, description, attached_to_line_number,
              unit_of_measure_code, qty_per_unit_of_measure, quantity, unit_price, unit_cost,
              line_discount_percent, line_discount_amount, tax_group_code, tax_percent,
              requested_delivery_date, quantity, quantity
         FROM erp.sales_lines WHERE document_id = $1`,
      [quoteId, orderId],
    );
    const recalc = await recalcDocument(tx, orderId);
    if (!recalc.ok) return recalc;
    if (await archiveSwitch(tx, 'Quote')) {
      const archived = await archiveInTx(tx, 'Quote', quoteId);
      if (!archived.ok) return archived;
    }
    await tx.query('DELETE FROM erp.sales_headers WHERE id = $1', [quoteId]);
    await emit(tx, 'salesQuote.madeIntoOrder', 'salesQuote', quoteId, {
      quoteNumber: quote.value.number,
      orderId,
      orderNumber: number.value,
      customerNumber: quote.value.customer_number,
    });
    return getRecord(tx, salesOrders, orderId);
  });
}
