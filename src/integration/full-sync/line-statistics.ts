import type { Db } from '../../db/db.ts';
import { freshenStatistics } from '../../erp/public-api.ts';
import type { TableMapping } from '../../sync/model.ts';
import { integrationEntities } from '../adapters/erp-integration-entities.ts';

/**
 * Before a line reads its ERP table page by page: PostgreSQL's statistics of the ERP tables the
 * read touches (the table itself and those its computed fields and views read) are taken again
 * where a bulk load made them stale (`freshenStatistics`). Answers the tables analyzed.
 */
export async function freshenLineStatistics(db: Db, m: TableMapping): Promise<string[]> {
  const e = integrationEntities.get(m.erpTable);
  if (!e) return [];
  const sql = [e.table, ...e.fields.map((f) => f.sql)].join(' ');
  const tables = new Set([...sql.matchAll(/\berp\.(\w+)/g)].map((x) => x[1]!));
  return tables.size > 0 ? freshenStatistics(db, [...tables]) : [];
}
