import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';

/**
 * Where a series' numbers end up: a number already there (typed in by hand, imported, seeded) is
 * skipped, so a series never hands out a number that exists. Table and column are code constants.
 */
export interface NumberTarget {
  readonly table: string;
  readonly column?: string;
}

/** Takes the next free number of a series (row-locked, so concurrent callers never share a number). */
export async function nextNumber(
  tx: Queryable,
  seriesCode: string,
  target: NumberTarget,
): Promise<Result<string>> {
  const n = await nextNumbers(tx, seriesCode, 1, target);
  return n.ok ? ok(n.value[0]!) : n;
}

/**
 * Takes the next `count` free numbers of a series, in order. One statement per round: it looks at
 * a window of the next numbers, leaves out those already in the target (looked up by value in
 * its unique index: an anti-join let the planner scan the whole table, 16 ms a call at 100,000
 * customers) and moves the series past the last one taken. Without clashes that is the only
 * round; with clashes the window doubles, so even a long run of taken numbers costs a few rounds.
 */
export async function nextNumbers(
  tx: Queryable,
  seriesCode: string,
  count: number,
  target: NumberTarget,
): Promise<Result<string[]>> {
  const taken: string[] = [];
  let window = count;
  while (taken.length < count) {
    const wanted = count - taken.length;
    const round = await takeFree(tx, seriesCode, wanted, Math.max(window, wanted), target);
    if (!round) return failure('invalid_reference', `Number series ${seriesCode} does not exist`);
    taken.push(...round);
    window *= 2;
  }
  return ok(taken);
}

async function takeFree(
  tx: Queryable,
  seriesCode: string,
  wanted: number,
  window: number,
  target: NumberTarget,
): Promise<string[] | undefined> {
  const column = target.column ?? 'number';
  // The series moves to the last number taken, or past the whole window when it held too few.
  const r = await tx.query<{ numbers: string[] }>(
    `WITH s AS (
       SELECT prefix, digits, last_number FROM erp.number_series WHERE code = $1 FOR UPDATE
     ), candidates AS (
       SELECT g.n, s.prefix || lpad(g.n::text, greatest(s.digits, length(g.n::text)), '0') AS number
         FROM s, generate_series(s.last_number + 1, s.last_number + $3) AS g(n)
     ), taken AS (
       SELECT t.${column} AS number FROM ${target.table} t
        WHERE t.${column} = ANY (ARRAY(SELECT number FROM candidates))
     ), free AS (
       SELECT c.n, c.number FROM candidates c
        WHERE NOT EXISTS (SELECT 1 FROM taken WHERE taken.number = c.number)
        ORDER BY c.n LIMIT $2
     ), moved AS (
       UPDATE erp.number_series ns
          SET last_number = CASE WHEN (SELECT count(*) FROM free) = $2
                                 THEN (SELECT max(n) FROM free) ELSE s.last_number + $3 END
         FROM s WHERE ns.code = $1
       RETURNING ns.last_number
     )
     SELECT coalesce((SELECT array_agg(number ORDER BY n) FROM free), '{}') AS numbers
       FROM moved`,
    [seriesCode, wanted, window],
  );
  return r.rows[0]?.numbers;
}

/**
 * Moves a series past the highest number of its own form (prefix then digits) already in the
 * target, for rows written with explicit numbers (the demo seed), so the series goes on after them.
 */
export async function advancePastUsed(
  tx: Queryable,
  seriesCode: string,
  target: NumberTarget,
): Promise<void> {
  const column = target.column ?? 'number';
  await tx.query(
    `UPDATE erp.number_series s
        SET last_number = greatest(s.last_number, coalesce((
              SELECT max(substr(t.${column}, length(s.prefix) + 1)::bigint) FROM ${target.table} t
               WHERE starts_with(t.${column}, s.prefix)
                 AND substr(t.${column}, length(s.prefix) + 1) ~ '^[0-9]{1,18}$'), 0))
      WHERE s.code = $1`,
    [seriesCode],
  );
}
