import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/db.ts';
import { type Dec, dec, roundAmount, sum } from '../../shared/money.ts';
import type { WriteContext } from '../api/types.ts';
import { type EntityDef, mustEntity } from '../catalogue/index.ts';
import type { DOCUMENT_TOTALS } from '../catalogue/sales.ts';
import { badRequest, CODES, CrmError, notFound } from '../errors.ts';
import { getRecord, type StoredRecord, updateRecord } from '../store/records.ts';

type Data = Record<string, unknown>;

/** A sales document table and its lines table. */
export interface DocumentKind {
  readonly header: string;
  readonly line: string;
  /** The header's editable state (Draft for quotes, Active for orders and invoices). */
  readonly editableState: number;
  readonly numberColumn: string;
  readonly numberPrefix: string;
  /** Columns that may still change while the document is not editable. */
  readonly alwaysWritable: readonly string[];
}

export const DOCUMENTS: readonly DocumentKind[] = [
  {
    header: 'quote',
    line: 'quotedetail',
    editableState: 0,
    numberColumn: 'quotenumber',
    numberPrefix: 'QUO',
    alwaysWritable: [],
  },
  {
    header: 'salesorder',
    line: 'salesorderdetail',
    editableState: 0,
    numberColumn: 'ordernumber',
    numberPrefix: 'ORD',
    // What a back office writes on a submitted order (Business Central does).
    alwaysWritable: [
      'lastbackofficesubmit',
      'submitstatus',
      'submitstatusdescription',
      'datefulfilled',
    ],
  },
  {
    header: 'invoice',
    line: 'invoicedetail',
    editableState: 0,
    numberColumn: 'invoicenumber',
    numberPrefix: 'INV',
    alwaysWritable: [],
  },
];

export const documentByHeader = (name: string) => DOCUMENTS.find((d) => d.header === name);
export const documentByLine = (name: string) => DOCUMENTS.find((d) => d.line === name);

const STATE_LABEL: Record<string, string> = {
  quote: 'Draft',
  salesorder: 'Active',
  invoice: 'Active',
};

export const notEditable = (kind: DocumentKind, id: string) =>
  new CrmError(
    400,
    CODES.readOnlyRecord,
    `The ${kind.header} ${id} cannot be modified: only ${STATE_LABEL[kind.header]} ${kind.header}s can be edited.`,
  );

/** Next auto-number, Dataverse style: `QUO-01001-K3T9QZ`. */
export async function nextNumber(q: Queryable, prefix: string): Promise<string> {
  const r = await q.query<{ value: number }>(
    `INSERT INTO crm.counters (name, value) VALUES ($1, 1001)
     ON CONFLICT (name) DO UPDATE SET value = crm.counters.value + 1 RETURNING value`,
    [prefix],
  );
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  const suffix = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
  return `${prefix}-${String(r.rows[0]!.value).padStart(5, '0')}-${suffix}`;
}

const money = (d: Dec) => Number(roundAmount(d, 2).toFixed(2));
const num = (v: unknown) => dec(typeof v === 'number' ? v : 0);

/** The lines of a document. */
export async function linesOf(q: Queryable, kind: DocumentKind, headerId: string) {
  const r = await q.query<{
    id: string;
    data: Data;
    version_number: number;
    created_on: Date;
    modified_on: Date;
  }>(
    // The parent expression matches the index of migration 002.
    `SELECT id, data, version_number, created_on, modified_on FROM crm.records
     WHERE entity = $1
       AND coalesce(data->>'_quoteid_value', data->>'_salesorderid_value', data->>'_invoiceid_value') = $2
     ORDER BY (data->>'sequencenumber')::int NULLS LAST, created_on`,
    [kind.line, headerId],
  );
  return r.rows.map(
    (row): StoredRecord => ({
      entity: kind.line,
      id: row.id,
      data: row.data,
      version: row.version_number,
      createdOn: row.created_on,
      modifiedOn: row.modified_on,
    }),
  );
}

/** Fills a document's totals from its lines and its header discount and freight. */
export function computeTotals(header: Data, lines: readonly Data[]): void {
  const net = lines.map((l) =>
    num(l.baseamount).minus(num(l.manualdiscountamount)).minus(num(l.volumediscountamount)),
  );
  const lineTotal = sum(net);
  const lineDiscounts = sum(
    lines.map((l) => num(l.manualdiscountamount).plus(num(l.volumediscountamount))),
  );
  const tax = sum(lines.map((l) => num(l.tax)));
  const headerDiscount = num(header.discountamount).plus(
    lineTotal.times(num(header.discountpercentage)).dividedBy(100),
  );
  const lessFreight = lineTotal.minus(headerDiscount);
  const totals: Record<(typeof DOCUMENT_TOTALS)[number], number> = {
    totallineitemamount: money(lineTotal),
    totallineitemdiscountamount: money(lineDiscounts),
    totaldiscountamount: money(headerDiscount),
    totalamountlessfreight: money(lessFreight),
    totaltax: money(tax),
    totalamount: money(lessFreight.plus(num(header.freightamount)).plus(tax)),
  };
  Object.assign(header, totals);
}

/** Recomputes and stores a document's totals after its lines changed. */
export async function refreshTotals(w: WriteContext, kind: DocumentKind, headerId: string) {
  const header = await getRecord(w.q, kind.header, headerId, true);
  if (!header) return;
  const lines = await linesOf(w.q, kind, headerId);
  const data = { ...header.data, _modifiedby_value: w.caller.systemUserId };
  computeTotals(
    data,
    lines.map((l) => l.data),
  );
  await updateRecord(w.q, kind.header, headerId, data, w.now);
}

/** Prices a line: write-in or catalogue product, price list price unless overridden. */
export async function priceLine(
  w: WriteContext,
  kind: DocumentKind,
  header: StoredRecord,
  line: Data,
): Promise<void> {
  if (line.isproductoverridden === true) {
    if (line._productid_value) {
      throw badRequest('A write-in product (isproductoverridden) cannot also name a productid.');
    }
    if (!line.productdescription) {
      throw badRequest('A write-in product needs a productdescription.', CODES.validation);
    }
    line.productidname = line.productdescription;
  } else {
    const productId = line._productid_value;
    if (typeof productId !== 'string') {
      throw badRequest(
        'A product line needs a productid (or isproductoverridden with a productdescription).',
        CODES.validation,
      );
    }
    const product = await getRecord(w.q, 'product', productId);
    if (!product) throw notFound('product', productId);
    line.productidname = product.data.name ?? null;
    line._uomid_value ??= product.data._defaultuomid_value ?? null;
    if (line.ispriceoverridden !== true) {
      line.priceperunit = await listPrice(w.q, header, product, line._uomid_value);
    }
  }
  line.priceperunit ??= 0;
  line.volumediscountamount ??= 0;
  line._transactioncurrencyid_value = header.data._transactioncurrencyid_value ?? null;
  line.exchangerate = header.data.exchangerate ?? 1;
  const base = num(line.priceperunit).times(num(line.quantity));
  line.baseamount = money(base);
  line.extendedamount = money(
    base
      .minus(num(line.manualdiscountamount))
      .minus(num(line.volumediscountamount))
      .plus(num(line.tax)),
  );
  void kind;
}

async function listPrice(
  q: Queryable,
  header: StoredRecord,
  product: StoredRecord,
  uomId: unknown,
): Promise<number> {
  const priceLevel = header.data._pricelevelid_value ?? product.data._pricelevelid_value;
  if (typeof priceLevel === 'string') {
    const r = await q.query<{ data: Data }>(
      `SELECT data FROM crm.records WHERE entity = 'productpricelevel'
       AND data->>'_pricelevelid_value' = $1 AND data->>'_productid_value' = $2
       ORDER BY (data->>'_uomid_value' = $3) DESC NULLS LAST LIMIT 1`,
      [priceLevel, product.id, typeof uomId === 'string' ? uomId : ''],
    );
    const amount = r.rows[0]?.data.amount;
    if (typeof amount === 'number') return amount;
  }
  return typeof product.data.price === 'number' ? product.data.price : 0;
}

/** The entity definition of a document header. */
export const headerEntity = (kind: DocumentKind): EntityDef => mustEntity(kind.header);
