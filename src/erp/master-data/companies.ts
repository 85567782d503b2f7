import { ok, type Result } from '../../shared/result.ts';
import { masterEntities } from '../catalog/master-data-entities.ts';
import type { ApiRecord } from '../query/list-query.ts';
import { getRecord } from '../records/record-store.ts';
import type { DbOrTx } from '../records/transactions.ts';

const companiesDef = masterEntities.find((e) => e.set === 'companies')!;

/** The company of a name, created when missing (the ERP keeps one company's data per database). */
export async function ensureCompany(
  db: DbOrTx,
  name: string,
  displayName = name,
): Promise<Result<ApiRecord>> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO erp.companies (name, display_name) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [name, displayName],
  );
  return getRecord(db, companiesDef, r.rows[0]!.id);
}

/** True when the id is a company of this ERP. */
export async function companyExists(db: DbOrTx, id: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM erp.companies WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}

/** The first company (by creation), for callers that work with the single company. */
export async function defaultCompany(db: DbOrTx): Promise<Result<ApiRecord | undefined>> {
  const r = await db.query<{ id: string }>(
    'SELECT id FROM erp.companies ORDER BY change_seq LIMIT 1',
  );
  if (!r.rows[0]) return ok(undefined);
  return getRecord(db, companiesDef, r.rows[0].id);
}
