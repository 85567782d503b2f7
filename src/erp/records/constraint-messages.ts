import type { AppFailure } from '../../shared/result.ts';

/**
 * What a violated constraint says to API users, in Business Central's words and with its captions
 * (*The field Base Unit of Measure of table Item contains a value (PACK) that cannot be found in
 * the related table (Unit of Measure).*), never PostgreSQL's text: no constraint, table or column
 * names of ours reach a caller.
 */

/** BC's table captions of the ERP's tables (the referencing and the related table). */
const TABLE_CAPTIONS: Readonly<Record<string, string>> = {
  companies: 'Company',
  contacts: 'Contact',
  currencies: 'Currency',
  currency_exchange_rates: 'Currency Exchange Rate',
  customer_ledger_entries: 'Cust. Ledger Entry',
  customer_price_groups: 'Customer Price Group',
  customers: 'Customer',
  general_setup: 'General Ledger Setup',
  item_ledger_entries: 'Item Ledger Entry',
  item_units_of_measure: 'Item Unit of Measure',
  items: 'Item',
  number_series: 'No. Series',
  payment_applications: 'Detailed Cust. Ledg. Entry',
  payment_terms: 'Payment Terms',
  resource_units_of_measure: 'Resource Unit of Measure',
  resources: 'Resource',
  sales_cr_memo_headers: 'Sales Cr.Memo Header',
  sales_cr_memo_lines: 'Sales Cr.Memo Line',
  sales_header_archives: 'Sales Header Archive',
  sales_headers: 'Sales Header',
  sales_invoice_headers: 'Sales Invoice Header',
  sales_invoice_lines: 'Sales Invoice Line',
  sales_lines: 'Sales Line',
  sales_prices: 'Sales Price',
  sales_setup: 'Sales & Receivables Setup',
  sales_shipment_headers: 'Sales Shipment Header',
  sales_shipment_lines: 'Sales Shipment Line',
  salespeople: 'Salesperson/Purchaser',
  shipment_methods: 'Shipment Method',
  shipping_agents: 'Shipping Agent',
  units_of_measure: 'Unit of Measure',
  // The API serves them as taxGroups; items and resources name them by Tax Group Code.
  vat_posting_groups: 'Tax Group',
};

/** Field captions BC spells otherwise than the words of the column. */
const FIELD_CAPTIONS: Readonly<Record<string, string>> = {
  base_unit_of_measure_code: 'Base Unit of Measure',
  bill_to_customer_number: 'Bill-to Customer No.',
  customer_number: 'Customer No.',
};

const SMALL_WORDS = new Set(['of', 'to', 'and', 'per']);
const WORDS: Readonly<Record<string, string>> = { number: 'No.', id: 'ID', qty: 'Qty.' };

const words = (name: string) =>
  name
    .split('_')
    .filter(Boolean)
    .map((w, i) => WORDS[w] ?? (i > 0 && SMALL_WORDS.has(w) ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join(' ');

/** The caption of a table (`units_of_measure` → `Unit of Measure`; `erp.` is left out). */
export const tableCaption = (table: string | undefined): string => {
  const name = (table ?? '').replace(/^.*\./, '');
  return TABLE_CAPTIONS[name] ?? (words(name) || 'record');
};

/**
 * The caption of a column (`base_unit_of_measure_code` → `Base Unit of Measure`); of an index
 * expression (`lower(email::text)`), its column.
 */
export const fieldCaption = (column: string): string => {
  const name = /\(([a-z_]+)/.exec(column)?.[1] ?? column;
  return FIELD_CAPTIONS[name] ?? words(name);
};

interface PgError {
  code?: string;
  detail?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

/** `Key (a, b)=(x, y) …` → the columns and values (a value holding ", " splits wrongly: rare). */
function keyOf(detail: string): { columns: string[]; values: string[] } | undefined {
  const m = /^Key \((.+?)\)=\((.*)\) /.exec(detail);
  if (!m) return undefined;
  return { columns: m[1]!.split(', '), values: m[2]!.split(', ') };
}

const relatedTable = (detail: string) => /table "([^"]+)"/.exec(detail)?.[1];

/** The column of a constraint PostgreSQL named by default: `<table>_<column><suffix>`. */
function columnOf(e: PgError, suffix: string): string | undefined {
  const prefix = `${(e.table ?? '').replace(/^.*\./, '')}_`;
  const c = e.constraint;
  return c?.startsWith(prefix) && c.endsWith(suffix) && c.length > prefix.length + suffix.length
    ? c.slice(prefix.length, -suffix.length)
    : undefined;
}

/** A foreign-key violation: a value with no record in the related table, or a record in use. */
export function referenceFailure(e: PgError): AppFailure {
  const detail = e.detail ?? '';
  const key = keyOf(detail);
  const table = tableCaption(e.table);
  if (detail.includes('is still referenced')) {
    // PostgreSQL names the table that still refers to the record (ours: e.table), not the record's
    // own; the constraint (<table>_<column>_fkey) says through which field.
    const column = columnOf(e, '_fkey');
    const where = column ? `the field ${fieldCaption(column)} of table ${table}` : `table ${table}`;
    return {
      code: 'in_use',
      message: `${key ? key.values.join(', ') : 'The record'} cannot be deleted or renamed: ${where} still uses it.`,
    };
  }
  if (!key || key.columns.length === 0)
    return {
      code: 'invalid_reference',
      message: `A value of table ${table} cannot be found in its related table.`,
    };
  // Every foreign key of the ERP is one column; of a longer one the last column tells most.
  const column = key.columns.at(-1)!;
  const value = key.values.at(-1) ?? '';
  return {
    code: 'invalid_reference',
    message: `The field ${fieldCaption(column)} of table ${table} contains a value (${value}) that cannot be found in the related table (${tableCaption(relatedTable(detail))}).`,
  };
}

/** A unique violation: BC's *The record in table Unit of Measure already exists.* */
export function duplicateFailure(e: PgError): AppFailure {
  const key = keyOf(e.detail ?? '');
  const fields = key
    ? ` Identification fields and values: ${key.columns
        .map((c, i) => `${fieldCaption(c)}='${key.values[i] ?? ''}'`)
        .join(',')}`
    : '';
  return {
    code: 'already_exists',
    message: `The record in table ${tableCaption(e.table)} already exists.${fields}`,
  };
}

/** A missing value or a value a check constraint refuses, by the field's caption when known. */
export function invalidValueFailure(e: PgError): AppFailure {
  const table = tableCaption(e.table);
  if (e.code === '23502' && e.column)
    return {
      code: 'validation_failed',
      message: `${fieldCaption(e.column)} must have a value in ${table}.`,
    };
  const column = columnOf(e, '_check');
  return {
    code: 'validation_failed',
    message: column
      ? `The value of ${fieldCaption(column)} is not allowed in ${table}.`
      : `A value is not allowed in ${table}.`,
  };
}
