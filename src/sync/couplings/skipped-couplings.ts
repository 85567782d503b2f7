import type { Queryable } from '../../db/db.ts';

/**
 * Skipped couplings (BC's "same error twice" rule, §3.6): no regular run retries them until they
 * are restored. Those skipped after failing — their last synchronization in some direction
 * failed, so their error is open — are what users must hear about; a skipped coupling is counted
 * here whatever made it skipped only when it failed.
 */
const FAILED = "(last_result_to_crm = 'Failure' OR last_result_to_erp = 'Failure')";

/** Per mapping: its records skipped after failing (mappings without any are left out). */
export async function skippedAfterFailing(
  db: Queryable,
  mapping?: string,
): Promise<Map<string, number>> {
  const r = await db.query<{ mapping_name: string; n: number }>(
    `SELECT mapping_name, count(*)::int AS n FROM integration.couplings
      WHERE skipped AND ${FAILED} AND ($1::text IS NULL OR mapping_name = $1)
      GROUP BY mapping_name`,
    [mapping ?? null],
  );
  return new Map(r.rows.map((x) => [x.mapping_name, x.n]));
}

/** The ids of a mapping's skipped couplings, in the list order (mapping, creation, id). */
export async function skippedCouplingIds(db: Queryable, mapping: string): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `SELECT id FROM integration.couplings WHERE mapping_name = $1 AND skipped
      ORDER BY created_at, id`,
    [mapping],
  );
  return r.rows.map((x) => x.id);
}
