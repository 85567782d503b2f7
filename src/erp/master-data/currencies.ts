import type { Queryable } from '../../db/db.ts';
import { type Dec, dec } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';

/** The local currency (general setup). */
export async function localCurrency(
  tx: Queryable,
): Promise<{ code: string; decimals: number; symbol: string }> {
  const r = await tx.query<{ code: string; decimals: number; symbol: string }>(
    'SELECT local_currency_code AS code, amount_decimal_places AS decimals, local_currency_symbol AS symbol FROM erp.general_setup',
  );
  return r.rows[0]!;
}

/** A document currency: null for the local one (a code equal to the local currency counts as local). */
export async function normalizeCurrency(
  tx: Queryable,
  currencyCode: string | null | undefined,
): Promise<string | null> {
  if (!currencyCode) return null;
  const lcy = await localCurrency(tx);
  return currencyCode === lcy.code ? null : currencyCode;
}

/** Amount decimals of a currency (null = local). */
export async function amountDecimals(tx: Queryable, currencyCode: string | null): Promise<number> {
  if (!currencyCode) return (await localCurrency(tx)).decimals;
  const r = await tx.query<{ d: number }>(
    'SELECT amount_decimal_places AS d FROM erp.currencies WHERE code = $1',
    [currencyCode],
  );
  return r.rows[0]?.d ?? 2;
}

/**
 * The currency factor on a date, as BC: foreign units per one local unit
 * (exchange_rate_amount / relational_exchange_rate_amount of the latest rate starting on or before
 * the date). 1 for the local currency. Local amount = foreign amount / factor.
 */
export async function currencyFactor(
  tx: Queryable,
  currencyCode: string | null,
  date: string,
): Promise<Result<Dec>> {
  if (!currencyCode) return ok(dec(1));
  const r = await tx.query<{ a: string; r: string }>(
    `SELECT exchange_rate_amount AS a, relational_exchange_rate_amount AS r
       FROM erp.currency_exchange_rates WHERE currency_code = $1 AND starting_date <= $2
      ORDER BY starting_date DESC LIMIT 1`,
    [currencyCode, date],
  );
  const row = r.rows[0];
  if (!row)
    return failure(
      'exchange_rate_missing',
      `Currency ${currencyCode} has no exchange rate on or before ${date}`,
    );
  return ok(dec(row.a).div(dec(row.r)).toDecimalPlaces(15));
}
