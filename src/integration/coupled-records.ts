import type { Queryable } from '../db/db.ts';
import { type ApiRecord, listEntityPage } from '../erp/public-api.ts';
import type { Result } from '../shared/result.ts';
import { couplingsByErpIds } from '../sync/couplings/coupling-repo.ts';
import { listMappings } from '../sync/mappings/mapping-repo.ts';
import type { Coupling, TableMapping } from '../sync/model.ts';

/** Which records of a list to show by their coupling. */
export const COUPLING_FILTERS = ['all', 'coupled', 'uncoupled', 'failed', 'skipped'] as const;
export type CouplingFilter = (typeof COUPLING_FILTERS)[number];

export interface CoupledRecord {
  readonly record: ApiRecord;
  readonly coupling: Coupling | undefined;
}

/** The (non-option) mapping that couples an ERP entity set, if any. */
export async function mappingForErpTable(
  db: Queryable,
  erpTable: string,
): Promise<TableMapping | undefined> {
  return (await listMappings(db)).find((m) => m.erpTable === erpTable && !m.isOptionMapping);
}

const CONDITIONS: Record<Exclude<CouplingFilter, 'all'>, string> = {
  coupled:
    "EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_table = $1 AND c.erp_id = t.id AND c.state = 'coupled')",
  uncoupled:
    'NOT EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_table = $1 AND c.erp_id = t.id)',
  failed:
    "EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_table = $1 AND c.erp_id = t.id AND (c.last_result_to_crm = 'Failure' OR c.last_result_to_erp = 'Failure'))",
  skipped:
    'EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_table = $1 AND c.erp_id = t.id AND c.skipped)',
};

/**
 * One page of ERP records with their couplings (the lists' *Coupled* column), filtered by text
 * and by coupling state in the database, so the page stays fast on large tables.
 */
export async function listCoupledRecords(
  db: Queryable,
  erpTable: string,
  q: { search?: string; coupling?: CouplingFilter; top: number; skip: number; orderby?: string },
): Promise<Result<{ rows: CoupledRecord[]; total: number }>> {
  const extra =
    q.coupling && q.coupling !== 'all'
      ? { sql: CONDITIONS[q.coupling], params: [erpTable] }
      : undefined;
  const page = await listEntityPage(
    db,
    erpTable,
    { search: q.search, top: q.top, skip: q.skip, orderby: q.orderby },
    extra,
  );
  if (!page.ok) return page;
  const couplings = await couplingsByErpIds(
    db,
    erpTable,
    page.value.rows.map((r) => r.id),
  );
  return {
    ok: true,
    value: {
      rows: page.value.rows.map((record) => ({ record, coupling: couplings.get(record.id) })),
      total: page.value.total,
    },
  };
}
