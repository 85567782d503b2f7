import type { Queryable } from '../../db/db.ts';
import { type Clock, isoDate, systemClock } from '../../shared/clock.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import type { EntityDef } from '../catalog/field-types.ts';
import { currencyFactor, normalizeCurrency } from '../master-data/currencies.ts';
import type { ApiRecord } from '../query/list-query.ts';
import { checkInput } from '../records/input-validation.ts';
import { nextNumber } from '../records/number-series.ts';
import { getRecord, lockForWrite } from '../records/record-store.ts';
import { resolveReferenceIds } from '../records/reference-ids.ts';
import { atomic, type DbOrTx, emit } from '../records/transactions.ts';
import { appliesToInvoice } from './applies-to-invoice.ts';
import { archiveInTx, archiveSwitch } from './archives.ts';
import { billToFor, customerDefaults, loadCustomer } from './customer-defaults.ts';
import {
  type HeaderRow,
  insertLine,
  type LineInput,
  recalcDocument,
  resolveLine,
  taxGroup,
} from './document-lines.ts';
import {
  aggregateOf,
  type DocumentType,
  headerDef,
  lineDef,
  seriesColumn,
} from './document-types.ts';

/** Reads a header row (optionally locked FOR UPDATE: posting and status changes serialize on it). */
export async function loadHeader(
  tx: Queryable,
  id: string,
  type?: DocumentType,
  lock = false,
): Promise<Result<HeaderRow>> {
  const r = await tx.query<HeaderRow>(
    `SELECT * FROM erp.sales_headers WHERE id = $1${type ? ' AND document_type = $2' : ''}${lock ? ' FOR UPDATE' : ''}`,
    type ? [id, type] : [id],
  );
  const row = r.rows[0];
  if (!row)
    return failure('not_found', `No sales ${type?.toLowerCase() ?? 'document'} with id ${id}`);
  return ok(row);
}

function toColumns(def: EntityDef, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const fd = def.fields.find((x) => x.name === name);
    if (!fd?.column || name === 'id') continue;
    out[fd.column] = fd.nullable && value === '' ? null : value;
  }
  return out;
}

/** What a new document needs: header fields (API names), optional lines, optional id. */
export interface NewSalesDocument {
  readonly documentType: DocumentType;
  readonly header: Record<string, unknown>;
  readonly lines?: readonly LineInput[];
}

/**
 * Creates a quote, order, invoice or credit memo: number from the series, customer defaults (bill-to, addresses,
 * currency, terms, salesperson, price group) unless given, currency factor, lines with prices.
 */
export async function createSalesDocument(
  db: DbOrTx,
  input: NewSalesDocument,
  clock: Clock = systemClock,
): Promise<Result<ApiRecord>> {
  const def = headerDef(input.documentType);
  const resolved = await resolveReferenceIds(db, def, input.header);
  if (!resolved.ok) return resolved;
  const checked = checkInput(def, resolved.value, 'create');
  if (!checked.ok) return checked;
  const lineChecks: Result<Record<string, unknown>>[] = [];
  for (const l of input.lines ?? []) {
    const ids = await resolveReferenceIds(db, lineDef(input.documentType), l);
    lineChecks.push(ids.ok ? checkInput(lineDef(input.documentType), ids.value, 'create') : ids);
  }
  const badLine = lineChecks.find((c) => !c.ok);
  if (badLine && !badLine.ok) return badLine;
  return atomic(db, async (tx) => {
    const values = checked.value;
    const found = await loadCustomer(tx, values['customerNumber']);
    if (!found.ok) return found;
    const customer = found.value;
    if (customer['blocked'] === 'All')
      return failure('customer_blocked', `Customer ${customer['number']} is blocked (All)`);
    const series = await tx.query<{ s: string }>(
      `SELECT ${seriesColumn(input.documentType)} AS s FROM erp.sales_setup`,
    );
    const number = await nextNumber(tx, series.rows[0]!.s, { table: 'erp.sales_headers' });
    if (!number.ok) return number;
    const given = toColumns(def, values);
    const billToOther = await billToFor(tx, given);
    if (!billToOther.ok) return billToOther;
    const cols: Record<string, unknown> = {
      ...customerDefaults(customer),
      ...billToOther.value,
      ...given,
      document_type: input.documentType,
      number: number.value,
    };
    if (typeof values['id'] === 'string') cols['id'] = values['id'];
    cols['currency_code'] = await normalizeCurrency(tx, cols['currency_code'] as string | null);
    const date = (cols['document_date'] as string | undefined) ?? isoDate(clock.now());
    cols['document_date'] = date;
    cols['posting_date'] ??= date;
    const factor = await currencyFactor(tx, cols['currency_code'] as string | null, date);
    if (!factor.ok) return factor;
    cols['currency_factor'] = factor.value.toString();
    const names = Object.keys(cols);
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO erp.sales_headers (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(cols),
    );
    const id = inserted.rows[0]!.id;
    const header = await loadHeader(tx, id);
    if (!header.ok) return header;
    const applies = await appliesToInvoice(tx, header.value);
    if (!applies.ok) return applies;
    for (const line of lineChecks) {
      if (!line.ok) continue;
      const added = await addLineTo(tx, header.value, line.value as LineInput);
      if (!added.ok) return added;
    }
    const recalc = await recalcDocument(tx, id);
    if (!recalc.ok) return recalc;
    return getRecord(tx, def, id);
  });
}

async function addLineTo(
  tx: Queryable,
  header: HeaderRow,
  input: LineInput & { id?: string },
): Promise<Result<string>> {
  const cols = await resolveLine(tx, header, input);
  if (!cols.ok) return cols;
  return ok(await insertLine(tx, header.id, cols.value, input.sequence, input.id));
}

/** Header fields a released document still accepts (BC lets these change after release). */
const RELEASED_HEADER_FIELDS = new Set([
  'quoteNumber',
  'externalDocumentNumber',
  'yourReference',
  'workDescription',
  'requestedDeliveryDate',
]);

/** Updates header fields (ETag-checked); an Open status is required for most fields. */
export async function updateSalesDocument(
  db: DbOrTx,
  type: DocumentType,
  id: string,
  body: unknown,
  options: { ifMatch?: string } = {},
): Promise<Result<ApiRecord>> {
  const def = headerDef(type);
  const resolved = await resolveReferenceIds(db, def, body);
  if (!resolved.ok) return resolved;
  const checked = checkInput(def, resolved.value, 'update');
  if (!checked.ok) return checked;
  return atomic(db, async (tx) => {
    const locked = await lockForWrite(tx, def, id, options.ifMatch);
    if (!locked.ok) return locked;
    const header = await loadHeader(tx, id, type);
    if (!header.ok) return header;
    const names = Object.keys(checked.value);
    if (header.value.status === 'Released' && names.some((n) => !RELEASED_HEADER_FIELDS.has(n)))
      return failure(
        'document_released',
        `${type} ${header.value.number} is released; reopen it first`,
      );
    const given = toColumns(def, checked.value);
    const billToOther = await billToFor(tx, given);
    if (!billToOther.ok) return billToOther;
    const cols = { ...billToOther.value, ...given };
    if ('currency_code' in cols || 'document_date' in cols) {
      const currency = await normalizeCurrency(
        tx,
        ('currency_code' in cols ? cols['currency_code'] : header.value.currency_code) as
          | string
          | null,
      );
      const factor = await currencyFactor(
        tx,
        currency,
        (cols['document_date'] as string | undefined) ?? header.value.document_date,
      );
      if (!factor.ok) return factor;
      cols['currency_code'] = currency;
      cols['currency_factor'] = factor.value.toString();
    }
    const keys = Object.keys(cols);
    if (keys.length > 0) {
      await tx.query(
        `UPDATE erp.sales_headers SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`,
        [id, ...Object.values(cols)],
      );
    }
    const updated = await loadHeader(tx, id);
    if (!updated.ok) return updated;
    const applies = await appliesToInvoice(tx, updated.value);
    if (!applies.ok) return applies;
    const recalc = await recalcDocument(tx, id);
    if (!recalc.ok) return recalc;
    return getRecord(tx, def, id);
  });
}

/**
 * Deletes a draft document (with its lines) as a user does: archived first when the sales setup
 * says so, then `<aggregate>.deleted` (reason `deleted`, e.g. `salesQuote.deleted`) is emitted.
 */
export async function deleteSalesDocument(
  db: DbOrTx,
  type: DocumentType,
  id: string,
  options: { ifMatch?: string } = {},
): Promise<Result<void>> {
  return atomic(db, async (tx) => {
    const locked = await lockForWrite(tx, headerDef(type), id, options.ifMatch);
    if (!locked.ok) return locked;
    const header = await loadHeader(tx, id, type);
    if (!header.ok) return header;
    const shipped = await tx.query(
      'SELECT 1 FROM erp.sales_lines WHERE document_id = $1 AND quantity_shipped > quantity_invoiced LIMIT 1',
      [id],
    );
    if ((shipped.rowCount ?? 0) > 0)
      return failure(
        'conflict',
        `${type} ${header.value.number} has shipped lines that are not invoiced`,
      );
    if (await archiveSwitch(tx, type)) {
      const archived = await archiveInTx(tx, type, id);
      if (!archived.ok) return archived;
    }
    await tx.query('DELETE FROM erp.sales_headers WHERE id = $1', [id]);
    const aggregate = aggregateOf(type);
    await emit(tx, `${aggregate}.deleted`, aggregate, id, {
      number: header.value.number,
      reason: 'deleted',
      customerNumber: header.value.customer_number,
    });
    return ok(undefined);
  });
}

/** Adds a line to an open quote/order. */
export async function addSalesLine(
  db: DbOrTx,
  type: DocumentType,
  documentId: string,
  body: unknown,
): Promise<Result<ApiRecord>> {
  const resolved = await resolveReferenceIds(db, lineDef(type), body);
  if (!resolved.ok) return resolved;
  const checked = checkInput(lineDef(type), resolved.value, 'create');
  if (!checked.ok) return checked;
  return atomic(db, async (tx) => {
    const header = await loadHeader(tx, documentId, type, true);
    if (!header.ok) return header;
    if (header.value.status === 'Released')
      return failure(
        'document_released',
        `${type} ${header.value.number} is released; reopen it first`,
      );
    const added = await addLineTo(tx, header.value, checked.value as LineInput & { id?: string });
    if (!added.ok) return added;
    const recalc = await recalcDocument(tx, documentId);
    if (!recalc.ok) return recalc;
    return getRecord(tx, lineDef(type), added.value);
  });
}

/** Line fields a released order still accepts. */
const RELEASED_LINE_FIELDS = new Set(['shipQuantity', 'invoiceQuantity', 'requestedDeliveryDate']);

/** Updates a line (ETag-checked); on a released document only quantities to post may change. */
export async function updateSalesLine(
  db: DbOrTx,
  type: DocumentType,
  lineId: string,
  body: unknown,
  options: { ifMatch?: string } = {},
): Promise<Result<ApiRecord>> {
  const def = lineDef(type);
  const resolved = await resolveReferenceIds(db, def, body);
  if (!resolved.ok) return resolved;
  const checked = checkInput(def, resolved.value, 'update');
  if (!checked.ok) return checked;
  return atomic(db, async (tx) => {
    const line = await tx.query<{ document_id: string }>(
      'SELECT document_id FROM erp.sales_lines WHERE id = $1',
      [lineId],
    );
    if (!line.rows[0]) return failure('not_found', `No ${def.set} record with id ${lineId}`);
    const header = await loadHeader(tx, line.rows[0].document_id, type, true);
    if (!header.ok) return failure('not_found', `No ${def.set} record with id ${lineId}`);
    const locked = await lockForWrite(tx, def, lineId, options.ifMatch);
    if (!locked.ok) return locked;
    const names = Object.keys(checked.value);
    if (header.value.status === 'Released' && names.some((n) => !RELEASED_LINE_FIELDS.has(n)))
      return failure(
        'document_released',
        `${type} ${header.value.number} is released; reopen it first`,
      );
    const repriced = ['lineObjectNumber', 'lineType', 'unitOfMeasureCode'].some(
      (n) => n in checked.value,
    );
    let cols = toColumns(def, checked.value);
    if (repriced) {
      const current = await tx.query<Record<string, unknown>>(
        `SELECT line_type AS "lineType", number AS "lineObjectNumber", description, quantity,
                unit_of_measure_code AS "unitOfMeasureCode" FROM erp.sales_lines WHERE id = $1`,
        [lineId],
      );
      const resolved = await resolveLine(tx, header.value, {
        ...(current.rows[0] as LineInput),
        ...(checked.value as LineInput),
      });
      if (!resolved.ok) return resolved;
      cols = { ...resolved.value, ...cols };
    } else if ('taxCode' in checked.value) {
      const tax = await taxGroup(tx, checked.value['taxCode'] as string | null);
      if (!tax.ok) return tax;
      cols = { ...cols, tax_group_code: tax.value.code, tax_percent: tax.value.percent };
    }
    const keys = Object.keys(cols);
    if (keys.length > 0) {
      await tx.query(
        `UPDATE erp.sales_lines SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`,
        [lineId, ...Object.values(cols)],
      );
    }
    if ('ship_quantity' in cols && !('invoice_quantity' in cols)) {
      // As BC: a new quantity to ship makes everything shipped and not invoiced the quantity to invoice.
      await tx.query(
        `UPDATE erp.sales_lines SET invoice_quantity = quantity_shipped + ship_quantity - quantity_invoiced
          WHERE id = $1`,
        [lineId],
      );
    }
    const recalc = await recalcDocument(tx, header.value.id);
    if (!recalc.ok) return recalc;
    return getRecord(tx, def, lineId);
  });
}

/** Deletes a line of an open quote/order. */
export async function deleteSalesLine(
  db: DbOrTx,
  type: DocumentType,
  lineId: string,
  options: { ifMatch?: string } = {},
): Promise<Result<void>> {
  return atomic(db, async (tx) => {
    const def = lineDef(type);
    const line = await tx.query<{ document_id: string; quantity_shipped: string }>(
      'SELECT document_id, quantity_shipped FROM erp.sales_lines WHERE id = $1',
      [lineId],
    );
    if (!line.rows[0]) return failure('not_found', `No ${def.set} record with id ${lineId}`);
    const header = await loadHeader(tx, line.rows[0].document_id, type, true);
    if (!header.ok) return failure('not_found', `No ${def.set} record with id ${lineId}`);
    if (header.value.status === 'Released')
      return failure(
        'document_released',
        `${type} ${header.value.number} is released; reopen it first`,
      );
    if (Number(line.rows[0].quantity_shipped) > 0)
      return failure('conflict', 'A line that was shipped cannot be deleted');
    const locked = await lockForWrite(tx, def, lineId, options.ifMatch);
    if (!locked.ok) return locked;
    await tx.query('DELETE FROM erp.sales_lines WHERE id = $1', [lineId]);
    const recalc = await recalcDocument(tx, header.value.id);
    if (!recalc.ok) return recalc;
    return ok(undefined);
  });
}
