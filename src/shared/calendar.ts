/**
 * Calendar checks for ISO 8601 text. `Date.parse` rolls 2026-02-30 over to March and accepts
 * year 0, which PostgreSQL refuses; these say whether the text names a real day or instant in the
 * range both databases store (years 1 to 9999).
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))?$/;

const daysIn = (year: number, month: number): number =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

const validDay = (y: string, m: string, d: string): boolean => {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
};

/** True for `yyyy-mm-dd` naming a day that exists (no 2026-02-30, no year 0000). */
export function isValidIsoDate(text: string): boolean {
  const m = DATE.exec(text);
  return m !== null && validDay(m[1]!, m[2]!, m[3]!);
}

/** True for `yyyy-mm-ddThh:mm[:ss[.fffffffff]][Z|±hh:mm]` with every part in range. */
export function isValidIsoDateTime(text: string): boolean {
  const m = DATETIME.exec(text);
  if (!m || !validDay(m[1]!, m[2]!, m[3]!)) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return false;
  if (m[8] !== undefined && (Number(m[8]) > 14 || Number(m[9]) > 59)) return false;
  return true;
}

/** True for either a valid date or a valid date-time. */
export const isValidIsoDateOrDateTime = (text: string): boolean =>
  isValidIsoDate(text) || isValidIsoDateTime(text);
