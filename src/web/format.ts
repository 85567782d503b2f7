/**
 * How amounts and dates read on every page, whichever system they come from: amounts with two
 * decimals (unit prices up to five, as the ERP keeps them) and their currency, dates in ISO 8601
 * (2026-12-01), which reads the same in a euro and a dollar organization.
 */

const AMOUNT = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const UNIT_PRICE = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 5,
});

/** An amount and its currency code ('' for no value; a value that is not a number as it is). */
export function formatMoney(
  value: unknown,
  currency?: string | null,
  options: { unitPrice?: boolean } = {},
): string {
  if (value === null || value === undefined || value === '') return '';
  const n = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || !Number.isFinite(n)) return String(value);
  const text = (options.unitPrice ? UNIT_PRICE : AMOUNT).format(n);
  return currency ? `${text} ${currency}` : text;
}

/** The amount `name` of an ERP API record in the record's currency (`currencyCode`). */
export const moneyOf = (r: Readonly<Record<string, unknown>>, name: string): string =>
  formatMoney(r[name], typeof r['currencyCode'] === 'string' ? r['currencyCode'] : undefined);

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** True for a value that is a date or a moment (a Date, or an ISO 8601 text of one). */
export const isDateLike = (value: unknown): boolean =>
  value instanceof Date ||
  (typeof value === 'string' && (DATE_ONLY.test(value) || DATE_TIME.test(value)));

/**
 * A date as YYYY-MM-DD, a moment as YYYY-MM-DD HH:MM:SS (UTC). The ERP's blank date (0001-01-01)
 * is no date: ''. Anything else is returned as text.
 */
export function formatDate(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'string' && DATE_ONLY.test(value))
    return value === '0001-01-01' ? '' : value;
  const moment =
    value instanceof Date
      ? value
      : typeof value === 'string' && DATE_TIME.test(value)
        ? new Date(value)
        : undefined;
  if (!moment || Number.isNaN(moment.getTime())) return String(value);
  if (moment.getUTCFullYear() <= 1) return '';
  return moment.toISOString().replace('T', ' ').slice(0, 19);
}
