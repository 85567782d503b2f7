import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';

/** Takes the next number of a series (row-locked, so concurrent callers never share a number). */
export async function nextNumber(tx: Queryable, seriesCode: string): Promise<Result<string>> {
  const n = await nextNumbers(tx, seriesCode, 1);
  return n.ok ? ok(n.value[0]!) : n;
}

/** Takes the next `count` numbers of a series at once, in order (one row-locked update). */
export async function nextNumbers(
  tx: Queryable,
  seriesCode: string,
  count: number,
): Promise<Result<string[]>> {
  const r = await tx.query<{ prefix: string; digits: number; last_number: number }>(
    `UPDATE erp.number_series SET last_number = last_number + $2 WHERE code = $1
     RETURNING prefix, digits, last_number`,
    [seriesCode, count],
  );
  const row = r.rows[0];
  if (!row) return failure('invalid_reference', `Number series ${seriesCode} does not exist`);
  const first = row.last_number - count + 1;
  return ok(
    Array.from(
      { length: count },
      (_, i) => `${row.prefix}${String(first + i).padStart(row.digits, '0')}`,
    ),
  );
}
