import type { Queryable } from '../../src/db/db.ts';

/**
 * Every row of the ERP, CRM and integration schemas, as a digest per table, and the two version
 * counters (ERP change sequence, CRM versionnumber): any write anywhere changes one of them.
 */
export async function snapshot(db: Queryable): Promise<Record<string, string>> {
  const tables = await db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_schema IN ('erp', 'crm', 'integration') AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
  );
  const out: Record<string, string> = {};
  for (const t of tables.rows) {
    const r = await db.query<{ n: number; digest: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS digest FROM "${t.schema}"."${t.name}" x`,
    );
    out[`${t.schema}.${t.name}`] = `${r.rows[0]!.n}:${r.rows[0]!.digest}`;
  }
  const seqs = await db.query<{ erp: string; crm: string }>(
    'SELECT (SELECT last_value FROM erp.change_seq)::text AS erp, (SELECT last_value FROM crm.version_seq)::text AS crm',
  );
  out.sequences = `${seqs.rows[0]!.erp}/${seqs.rows[0]!.crm}`;
  return out;
}
