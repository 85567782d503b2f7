import type { Queryable } from '../../db/db.ts';
import type { FieldMapping, TableMapping } from '../model.ts';

interface MappingRow {
  name: string;
  erp_table: string;
  crm_entity: string;
  direction: TableMapping['direction'];
  erp_filter: TableMapping['erpFilter'];
  crm_filter: TableMapping['crmFilter'];
  sync_only_coupled: boolean;
  update_conflict: TableMapping['updateConflict'];
  deletion_conflict: TableMapping['deletionConflict'];
  dependency_filter: string;
  is_option_mapping: boolean;
  sync_after_coupling: boolean;
  create_new_on_no_match: boolean;
  job_enabled: boolean;
  job_interval_minutes: number;
  inactivity_timeout_minutes: number;
  conflict_expiry_hours: number;
  user_defined: boolean;
}

interface FieldRow {
  mapping_name: string;
  position: number;
  erp_field: string | null;
  crm_field: string | null;
  direction: FieldMapping['direction'];
  constant_value: string | null;
  lookup: FieldMapping['lookup'] | null;
  transformation: FieldMapping['transformation'] | null;
  validate_field: boolean;
  validate_crm_field: boolean;
  clear_on_failed_sync: boolean;
  not_null: boolean;
  enabled: boolean;
  use_for_matching: boolean;
  case_sensitive_matching: boolean;
  match_priority: number;
}

/**
 * ERP field names the ERP API gave up for Business Central's (docs/erp.md §5). Mappings stored
 * before keep the old names in integration.field_mappings; read under them, a record would have
 * no such field and the CRM side would be blanked, so they are read under the new names.
 */
const RENAMED_ERP_FIELDS: Readonly<Record<string, string>> = {
  billToPostalCode: 'billToPostCode',
  shipToPostalCode: 'shipToPostCode',
};

const toField = (r: FieldRow): FieldMapping => ({
  position: r.position,
  ...(r.erp_field ? { erpField: RENAMED_ERP_FIELDS[r.erp_field] ?? r.erp_field } : {}),
  ...(r.crm_field ? { crmField: r.crm_field } : {}),
  direction: r.direction,
  ...(r.constant_value !== null ? { constantValue: r.constant_value } : {}),
  ...(r.lookup ? { lookup: r.lookup } : {}),
  ...(r.transformation ? { transformation: r.transformation } : {}),
  validateField: r.validate_field,
  validateCrmField: r.validate_crm_field,
  clearOnFailedSync: r.clear_on_failed_sync,
  notNull: r.not_null,
  enabled: r.enabled,
  useForMatching: r.use_for_matching,
  caseSensitiveMatching: r.case_sensitive_matching,
  matchPriority: r.match_priority,
});

const toMapping = (r: MappingRow, fields: FieldMapping[]): TableMapping => ({
  name: r.name,
  erpTable: r.erp_table,
  crmEntity: r.crm_entity,
  direction: r.direction,
  erpFilter: r.erp_filter,
  crmFilter: r.crm_filter,
  syncOnlyCoupled: r.sync_only_coupled,
  updateConflict: r.update_conflict,
  deletionConflict: r.deletion_conflict,
  dependencyFilter: r.dependency_filter,
  isOptionMapping: r.is_option_mapping,
  syncAfterCoupling: r.sync_after_coupling,
  createNewOnNoMatch: r.create_new_on_no_match,
  jobEnabled: r.job_enabled,
  jobIntervalMinutes: r.job_interval_minutes,
  inactivityTimeoutMinutes: r.inactivity_timeout_minutes,
  conflictExpiryHours: r.conflict_expiry_hours,
  userDefined: r.user_defined,
  fields,
});

/** Every mapping with its field mappings, in setup order. */
export async function listMappings(db: Queryable): Promise<TableMapping[]> {
  const maps = await db.query<MappingRow>(
    'SELECT * FROM integration.table_mappings ORDER BY position, name',
  );
  const fields = await db.query<FieldRow>(
    'SELECT * FROM integration.field_mappings ORDER BY mapping_name, position',
  );
  const byMapping = new Map<string, FieldMapping[]>();
  for (const f of fields.rows) {
    const list = byMapping.get(f.mapping_name) ?? [];
    list.push(toField(f));
    byMapping.set(f.mapping_name, list);
  }
  return maps.rows.map((m) => toMapping(m, byMapping.get(m.name) ?? []));
}

/** One mapping by name. */
export async function getMapping(db: Queryable, name: string): Promise<TableMapping | undefined> {
  const m = await db.query<MappingRow>('SELECT * FROM integration.table_mappings WHERE name = $1', [
    name,
  ]);
  if (!m.rows[0]) return undefined;
  const f = await db.query<FieldRow>(
    'SELECT * FROM integration.field_mappings WHERE mapping_name = $1 ORDER BY position',
    [name],
  );
  return toMapping(m.rows[0], f.rows.map(toField));
}

/** Inserts or replaces a mapping and all its field mappings (watermarks are kept). */
export async function saveMapping(
  db: Queryable,
  m: TableMapping,
  position?: number,
): Promise<void> {
  await db.query(
    `INSERT INTO integration.table_mappings (name, erp_table, crm_entity, direction, erp_filter, crm_filter,
       sync_only_coupled, update_conflict, deletion_conflict, dependency_filter, is_option_mapping,
       sync_after_coupling, create_new_on_no_match, job_enabled, job_interval_minutes, inactivity_timeout_minutes,
       user_defined, position, conflict_expiry_hours)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,coalesce($18, 0),coalesce($19, 168))
     ON CONFLICT (name) DO UPDATE SET erp_table = EXCLUDED.erp_table, crm_entity = EXCLUDED.crm_entity,
       direction = EXCLUDED.direction, erp_filter = EXCLUDED.erp_filter, crm_filter = EXCLUDED.crm_filter,
       sync_only_coupled = EXCLUDED.sync_only_coupled, update_conflict = EXCLUDED.update_conflict,
       deletion_conflict = EXCLUDED.deletion_conflict, dependency_filter = EXCLUDED.dependency_filter,
       is_option_mapping = EXCLUDED.is_option_mapping, sync_after_coupling = EXCLUDED.sync_after_coupling,
       create_new_on_no_match = EXCLUDED.create_new_on_no_match, job_enabled = EXCLUDED.job_enabled,
       job_interval_minutes = EXCLUDED.job_interval_minutes,
       inactivity_timeout_minutes = EXCLUDED.inactivity_timeout_minutes, user_defined = EXCLUDED.user_defined,
       position = coalesce($18, integration.table_mappings.position),
       conflict_expiry_hours = coalesce($19, integration.table_mappings.conflict_expiry_hours), updated_at = now()`,
    [
      m.name,
      m.erpTable,
      m.crmEntity,
      m.direction,
      JSON.stringify(m.erpFilter),
      JSON.stringify(m.crmFilter),
      m.syncOnlyCoupled,
      m.updateConflict,
      m.deletionConflict,
      m.dependencyFilter,
      m.isOptionMapping,
      m.syncAfterCoupling,
      m.createNewOnNoMatch,
      m.jobEnabled,
      m.jobIntervalMinutes,
      m.inactivityTimeoutMinutes,
      m.userDefined,
      position ?? null,
      m.conflictExpiryHours ?? null,
    ],
  );
  await db.query('DELETE FROM integration.field_mappings WHERE mapping_name = $1', [m.name]);
  for (const f of m.fields) {
    await db.query(
      `INSERT INTO integration.field_mappings (mapping_name, position, erp_field, crm_field, direction, constant_value,
         lookup, transformation, validate_field, validate_crm_field, clear_on_failed_sync, not_null, enabled,
         use_for_matching, case_sensitive_matching, match_priority)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
      [
        m.name,
        f.position,
        f.erpField ?? null,
        f.crmField ?? null,
        f.direction,
        f.constantValue ?? null,
        f.lookup ? JSON.stringify(f.lookup) : null,
        f.transformation ?? null,
        f.validateField,
        f.validateCrmField,
        f.clearOnFailedSync,
        f.notNull,
        f.enabled,
        f.useForMatching,
        f.caseSensitiveMatching,
        f.matchPriority,
      ],
    );
  }
}

/** The mapping's stored watermarks. */
/** Deletes a mapping with its field mappings (its couplings stay: they name their records). */
export async function deleteMapping(db: Queryable, name: string): Promise<boolean> {
  const r = await db.query('DELETE FROM integration.table_mappings WHERE name = $1', [name]);
  return (r.rowCount ?? 0) > 0;
}

export async function getWatermarks(
  db: Queryable,
  name: string,
): Promise<{ erp: number | null; crm: string | null }> {
  const r = await db.query<{ erp_watermark: number | null; crm_watermark: string | null }>(
    'SELECT erp_watermark, crm_watermark FROM integration.table_mappings WHERE name = $1',
    [name],
  );
  return { erp: r.rows[0]?.erp_watermark ?? null, crm: r.rows[0]?.crm_watermark ?? null };
}

/** Stores a watermark; the ERP one only ever moves forward. */
export async function setWatermark(
  db: Queryable,
  name: string,
  side: 'erp' | 'crm',
  value: number | string | null,
): Promise<void> {
  if (side === 'erp') {
    await db.query(
      'UPDATE integration.table_mappings SET erp_watermark = greatest(coalesce(erp_watermark, 0), $2) WHERE name = $1',
      [name, value],
    );
  } else {
    await db.query('UPDATE integration.table_mappings SET crm_watermark = $2 WHERE name = $1', [
      name,
      value,
    ]);
  }
}

/** The mappings that hold a CRM watermark (a delta link of the connected org). */
export async function mappingsWithCrmWatermark(db: Queryable): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    'SELECT name FROM integration.table_mappings WHERE crm_watermark IS NOT NULL ORDER BY position',
  );
  return r.rows.map((row) => row.name);
}

/** Forgets every CRM watermark (the next CRM→ERP pass of each mapping reads its table in full). */
export async function clearCrmWatermarks(db: Queryable): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    'UPDATE integration.table_mappings SET crm_watermark = NULL WHERE crm_watermark IS NOT NULL RETURNING name',
  );
  return r.rows.map((row) => row.name);
}
