import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import {
  couplingsByCrmIds,
  couplingsByErpIds,
  deleteCoupling,
  insertCoupling,
} from '../couplings/coupling-repo.ts';
import type { Coupling, TableMapping } from '../model.ts';
import type { CrmPort, ErpPort } from '../ports.ts';
import { NAME_COLUMN } from '../record-names.ts';

export interface Ports {
  readonly erp: ErpPort;
  readonly crm: CrmPort;
}

/**
 * Couples an ERP record with a CRM record (BC's coupling table): both must exist; a record already
 * coupled elsewhere is refused unless its partner no longer exists (the stale coupling is then
 * replaced). An existing coupling of the ERP record is replaced (its bookkeeping starts over).
 */
export async function couple(
  db: Queryable,
  ports: Ports,
  m: TableMapping,
  erpId: string,
  crmId: string,
): Promise<Result<Coupling>> {
  const erpRow = (await ports.erp.get(m.erpTable, [erpId])).get(erpId);
  if (!erpRow) return failure('not_found', `No ${m.erpTable} record with id ${erpId}`);
  const crmRows = await ports.crm.get(m.crmEntity, [crmId]);
  if (!crmRows.ok) return crmRows;
  if (!crmRows.value.has(crmId))
    return failure('not_found', `No ${m.crmEntity} with id ${crmId} in Dynamics 365 Sales`);
  const dependency = await checkDependencies(db, ports, m, erpRow.values);
  if (!dependency.ok) return dependency;
  const byCrm = (await couplingsByCrmIds(db, m.crmEntity, [crmId])).get(crmId);
  if (byCrm && byCrm.erpId !== erpId) {
    const stillThere = (await ports.erp.get(byCrm.erpTable, [byCrm.erpId])).has(byCrm.erpId);
    if (stillThere) {
      return failure(
        'already_coupled',
        `Cannot couple: ${m.crmEntity} ${crmId} is already coupled to ${byCrm.erpTable} record ${byCrm.erpId}`,
      );
    }
    await deleteCoupling(db, byCrm.id);
  }
  const byErp = (await couplingsByErpIds(db, m.erpTable, [erpId])).get(erpId);
  if (byErp) {
    if (byErp.crmId === crmId && byErp.state === 'coupled') return ok(byErp);
    await deleteCoupling(db, byErp.id);
  }
  return ok(
    await insertCoupling(db, {
      mappingName: m.name,
      erpTable: m.erpTable,
      erpId,
      crmEntity: m.crmEntity,
      crmId,
    }),
  );
}

/**
 * Lookups of the record must point at coupled records first (the mapping dependency order): a customer
 * whose salesperson is not coupled cannot be coupled, and the error names what to couple.
 */
async function checkDependencies(
  db: Queryable,
  ports: Ports,
  m: TableMapping,
  values: Readonly<Record<string, unknown>>,
): Promise<Result<true>> {
  const mappings = await db.query<{ name: string; erp_table: string; is_option_mapping: boolean }>(
    'SELECT name, erp_table, is_option_mapping FROM integration.table_mappings',
  );
  const byName = new Map(mappings.rows.map((r) => [r.name, r]));
  for (const f of m.fields) {
    if (!f.enabled || !f.lookup || !f.erpField || f.clearOnFailedSync) continue;
    const value = values[f.erpField];
    if (value === null || value === undefined || value === '') continue;
    const related = byName.get(f.lookup.mapping);
    if (!related || related.is_option_mapping) continue;
    const target = (await ports.erp.findBy(related.erp_table, f.lookup.erpKey, value, true))[0];
    if (!target) continue;
    const coupled = await couplingsByErpIds(db, related.erp_table, [target.id]);
    if (!coupled.get(target.id)) {
      return failure(
        'dependency_not_coupled',
        `Couple ${related.erp_table} '${String(value)}' (mapping ${related.name}) to a record in Dynamics 365 Sales first: ` +
          `the ${f.erpField} of this record refers to it`,
        { mapping: related.name, erpTable: related.erp_table, value },
      );
    }
  }
  return ok(true);
}

/** Removes the coupling of ERP records; returns how many were removed. */
export async function uncouple(
  db: Queryable,
  m: TableMapping,
  erpIds: readonly string[],
): Promise<number> {
  const found = await couplingsByErpIds(db, m.erpTable, erpIds);
  let n = 0;
  for (const c of found.values()) if (await deleteCoupling(db, c.id)) n++;
  return n;
}

/** Finds the CRM record named `name` (exact match first, then prefix) for "Set up coupling". */
export async function findCrmByName(
  ports: Ports,
  m: TableMapping,
  name: string,
): Promise<Result<string>> {
  const column = NAME_COLUMN[m.crmEntity] ?? 'name';
  const exact = await ports.crm.find(m.crmEntity, [{ field: column, op: 'eq', value: name }], 2);
  if (!exact.ok) return exact;
  if (exact.value.length === 1) return ok(exact.value[0]!.id);
  if (exact.value.length > 1)
    return failure('ambiguous_name', `More than one ${m.crmEntity} is named '${name}'`);
  const prefix = await ports.crm.find(
    m.crmEntity,
    [{ field: column, op: 'startsWith', value: name }],
    2,
  );
  if (!prefix.ok) return prefix;
  if (prefix.value.length === 1) return ok(prefix.value[0]!.id);
  if (prefix.value.length > 1)
    return failure('ambiguous_name', `More than one ${m.crmEntity} starts with '${name}'`);
  return failure(
    'not_found',
    `${/^[aeiou]/i.test(m.crmEntity) ? 'An' : 'A'} ${m.crmEntity} named '${name}' does not exist in Dynamics 365 Sales`,
  );
}
