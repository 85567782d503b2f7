import type { DbOrTx } from '../records/transactions.ts';

/** Rows changed since the last ANALYZE, as a share of the table, past which the plan may be off. */
const STALE_SHARE = 0.1;
/** Below this many changed rows no plan goes far wrong. */
const STALE_MIN = 1000;

/**
 * Takes PostgreSQL's statistics of the ERP tables `tables` (`erp.<name>`) again when a large share
 * of their rows changed since they were last taken, and says which it analyzed. Before a read of a
 * whole table page by page (a full synchronization): with statistics from before a bulk load, the
 * change feed's page (`change_seq` in a range, in order, `LIMIT`) was planned as a bitmap scan of
 * every row left and a sort, for every page — 97 ms a page of 85,000 freshly loaded contacts instead
 * of 8.5 ms, 5 of the CONTACT line's 14 s at 100,000 customers (docs/sync-engine.md, "Measured",
 * twelfth round). Autovacuum would take them within a minute or so; the line does not wait for it.
 */
export async function freshenStatistics(db: DbOrTx, tables: readonly string[]): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT s.relname AS name FROM pg_stat_user_tables s
      WHERE s.schemaname = 'erp' AND s.relname = ANY($1::text[])
        AND s.n_mod_since_analyze > greatest($2::bigint, $3::float8 * s.n_live_tup)`,
    [tables, STALE_MIN, STALE_SHARE],
  );
  // Names come from pg_stat_user_tables (tables that exist), quoted as identifiers.
  for (const { name } of r.rows) await db.query(`ANALYZE erp."${name.replace(/"/g, '""')}"`);
  return r.rows.map((x) => x.name);
}
