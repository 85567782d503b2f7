import { entityByName } from '../crm-emulator/catalogue/index.ts';
import type { Db } from '../db/db.ts';
import { plural } from '../shared/plural.ts';
import { fail, failure, ok, type Result } from '../shared/result.ts';
import { noSuchMapping } from '../sync/mappings/mapping-name.ts';
import { getMapping, listMappings, saveMapping } from '../sync/mappings/mapping-repo.ts';
import { validateMapping } from '../sync/mappings/validate-mapping.ts';
import type { TableMapping } from '../sync/model.ts';
import { erpPort } from './adapters/erp-port.ts';
import { connectedCrmColumns, unknownColumnsMessage } from './crm-columns.ts';
import type { SyncDeps } from './sync-runtime.ts';

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

/**
 * Validates a changed mapping against the ERP's fields and the other mappings, and its CRM columns
 * against `crmColumns` (the CRM table's columns) when given: every problem. Columns the CRM table
 * lacks fail as `unknown_crm_column`, naming them and the table first; ERP fields the table lacks,
 * when they are the only problems, as `unknown_erp_field`; other problems as `mapping_invalid`
 * (every problem in the details). The field mappings' paths start with `fieldsAt`.
 */
export async function checkMapping(
  db: Db,
  m: TableMapping,
  crmColumns?: readonly string[],
  fieldsAt = 'fields',
): Promise<Result<TableMapping>> {
  const names = (await listMappings(db)).map((x) => x.name);
  const erp = erpPort(db);
  const issues = validateMapping(m, {
    erpFields: (t) => erp.fields(t),
    crmColumns: (entity) => (entity === m.crmEntity ? crmColumns : undefined),
    // Filter fields become part of an OData $filter: only columns Dynamics 365 Sales has.
    crmFilterColumns: (entity) => {
      const def = entityByName(entity);
      return def ? Object.keys(def.columns) : undefined;
    },
    mappingNames: names,
  }).map((i) => ({ ...i, path: i.path.replace(/^fields(?=\[)/, fieldsAt) }));
  const unknown = crmColumns
    ? [...new Set(m.fields.flatMap((f) => f.crmField ?? []))].filter((c) => !crmColumns.includes(c))
    : [];
  if (unknown.length > 0 && crmColumns) {
    const others = issues.filter((i) => i.code !== 'unknown_crm_column');
    const also = others.map((i) => `; also ${i.path}: ${i.message}`).join('');
    return failure(
      'unknown_crm_column',
      `${unknownColumnsMessage(m.crmEntity, unknown, crmColumns)}${also}`,
      issues,
    );
  }
  // Only ERP fields the table lacks: a code of its own, as a CRM column the table lacks has.
  if (issues.length > 0 && issues.every((i) => i.code === 'unknown_erp_field')) {
    return failure(
      'unknown_erp_field',
      issues.map((i) => `${i.path}: ${i.message}`).join('; '),
      issues,
    );
  }
  if (issues.length > 0) {
    return failure(
      'mapping_invalid',
      `Mapping ${m.name} has ${plural(issues.length, 'problem')}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return ok(m);
}

/**
 * Changes a mapping (validated first; nothing is saved when there is a problem). `crmColumns`, the
 * CRM table's columns, checks the field mappings' CRM columns (unchecked without).
 */
export async function updateMapping(
  db: Db,
  name: string,
  patch: MappingPatch,
  crmColumns?: readonly string[],
  fieldsAt?: string,
): Promise<Result<TableMapping>> {
  const current = await getMapping(db, name);
  if (!current) return fail(await noSuchMapping(db, name));
  const fields = patch.fields?.map((f, i) => ({ ...f, position: i + 1 }));
  const checked = await checkMapping(
    db,
    { ...current, ...patch, ...(fields ? { fields } : {}) },
    crmColumns,
    fieldsAt,
  );
  if (!checked.ok) return checked;
  await saveMapping(db, checked.value);
  return checked;
}

/** What a replacement of field mappings saved, and what it could not check (never silently). */
export interface FieldMappingsSaved {
  readonly fields: TableMapping['fields'];
  readonly warnings: readonly string[];
}

/**
 * Replaces a mapping's field mappings, their CRM columns checked against the connected
 * organization's metadata (custom columns included): a column the table lacks refuses the whole
 * list (`unknown_crm_column`). When the metadata cannot be read the list is saved with a warning
 * saying the columns were not checked and why. Option mappings name a choice column's values, not
 * the table's columns, and are not checked. `fieldsAt` names the list in the problems' paths as
 * the request gave it (`value[2].crmField`), `fields[2]…` unless given.
 */
export async function replaceFieldMappings(
  deps: SyncDeps,
  name: string,
  fields: NonNullable<MappingPatch['fields']>,
  fieldsAt?: string,
): Promise<Result<FieldMappingsSaved>> {
  const current = await getMapping(deps.db, name);
  if (!current) return fail(await noSuchMapping(deps.db, name));
  const warnings: string[] = [];
  let columns: readonly string[] | undefined;
  if (!current.isOptionMapping) {
    const read = await connectedCrmColumns(deps, current.crmEntity);
    if (read.ok) columns = read.value;
    else warnings.push(`CRM columns not checked: ${read.error.message}`);
  }
  const saved = await updateMapping(deps.db, name, { fields }, columns, fieldsAt);
  if (!saved.ok) return saved;
  return ok({ fields: saved.value.fields, warnings });
}
