import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';

/** Takes the next number of a series (row-locked, so concurrent callers never share a number). */
export async function nextNumber(tx: Queryable, seriesCode: string): Promise<Result<string>> {
  const r = await tx.query<{ prefix: string; digits: number; last_number: number }>(
    `UPDATE erp.number_series SET last_number = last_number + 1 WHERE code = $1
     RETURNING prefix, digits, last_number`,
    [seriesCode],
  );
  const row = r.rows[0];
  if (!row) return failure('invalid_reference', `Number series ${seriesCode} does not exist`);
  return ok(`${row.prefix}${String(row.last_number).padStart(row.digits, '0')}`);
}
