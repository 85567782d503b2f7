import { entityByName } from '../crm-emulator/catalogue/index.ts';
import type { Db } from '../db/db.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import { getMapping, listMappings, saveMapping } from '../sync/mappings/mapping-repo.ts';
import { validateMapping } from '../sync/mappings/validate-mapping.ts';
import type { TableMapping } from '../sync/model.ts';
import { erpPort } from './adapters/erp-port.ts';

/** Settings of a mapping an administrator may change (direction, filters, policies, its job). */
export type MappingPatch = Partial<
  Pick<
    TableMapping,
    | 'direction'
    | 'erpFilter'
    | 'crmFilter'
    | 'syncOnlyCoupled'
    | 'updateConflict'
    | 'deletionConflict'
    | 'dependencyFilter'
    | 'syncAfterCoupling'
    | 'createNewOnNoMatch'
    | 'jobEnabled'
    | 'jobIntervalMinutes'
    | 'inactivityTimeoutMinutes'
    | 'conflictExpiryHours'
    | 'fields'
  >
>;

/** Validates a changed mapping against the ERP's fields and the other mappings: every problem. */
export async function checkMapping(db: Db, m: TableMapping): Promise<Result<TableMapping>> {
  const names = (await listMappings(db)).map((x) => x.name);
  const erp = erpPort(db);
  const issues = validateMapping(m, {
    erpFields: (t) => erp.fields(t),
    crmColumns: () => undefined,
    // Filter fields become part of an OData $filter: only columns Dynamics 365 Sales has.
    crmFilterColumns: (entity) => {
      const def = entityByName(entity);
      return def ? Object.keys(def.columns) : undefined;
    },
    mappingNames: names,
  });
  if (issues.length > 0) {
    return failure(
      'mapping_invalid',
      `Mapping ${m.name} has ${issues.length} problem(s): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return ok(m);
}

/** Changes a mapping (validated first; nothing is saved when there is a problem). */
export async function updateMapping(
  db: Db,
  name: string,
  patch: MappingPatch,
): Promise<Result<TableMapping>> {
  const current = await getMapping(db, name);
  if (!current) return failure('not_found', `No table mapping named '${name}'`);
  const fields = patch.fields?.map((f, i) => ({ ...f, position: i + 1 }));
  const checked = await checkMapping(db, {
    ...current,
    ...patch,
    ...(fields ? { fields } : {}),
  });
  if (!checked.ok) return checked;
  await saveMapping(db, checked.value);
  return checked;
}
