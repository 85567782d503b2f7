import { Decimal } from 'decimal.js';

/**
 * Exact decimal arithmetic for amounts, prices, quantities and rates. Floats never touch money:
 * values travel as strings (PostgreSQL `numeric` arrives as a string) or Decimal.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Dec = Decimal;

/** Anything that can be turned into an exact decimal. */
export type DecimalLike = Decimal | string | number;

/** Builds an exact decimal. Numbers are converted through their shortest string form. */
export const dec = (value: DecimalLike): Decimal => new Dec(value);

/** Rounds an amount to the currency's precision (2 decimals by default), half away from zero. */
export const roundAmount = (value: DecimalLike, decimals = 2): Decimal =>
  dec(value).toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP);

/** Renders an amount with a fixed number of decimals, for the wire and the database. */
export const amountString = (value: DecimalLike, decimals = 2): string =>
  roundAmount(value, decimals).toFixed(decimals);

/** Sums exact decimals. */
export const sum = (values: readonly DecimalLike[]): Decimal =>
  values.reduce<Decimal>((acc, v) => acc.plus(dec(v)), dec(0));
