import {
  DELETION_CONFLICT_POLICIES,
  fieldCovers,
  type TableMapping,
  UPDATE_CONFLICT_POLICIES,
} from '../model.ts';

/** One problem of a mapping, with where it is (`fields[3].crmField`) so UIs can point at it. */
export interface MappingIssue {
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

/** What the validator may know about the two sides' schemas (unknown tables are not checked). */
export interface SchemaInfo {
  erpFields(table: string): readonly string[] | undefined;
  crmColumns(entity: string): readonly string[] | undefined;
  /**
   * Columns a CRM filter may name (the catalogue of Dynamics 365 Sales tables); unchecked when
   * absent. Names shaped like a custom column (`prefix_name`) are accepted as well.
   */
  crmFilterColumns?(entity: string): readonly string[] | undefined;
  mappingNames: readonly string[];
}

/** A Dataverse logical name: the only shape a CRM filter field may have (it becomes OData). */
export const CRM_LOGICAL_NAME = /^[a-z][a-z0-9_]{0,99}$/;
const CUSTOM_COLUMN = /^[a-z][a-z0-9]{1,7}_[a-z0-9_]+$/;

/** Checks a mapping and returns every problem at once (empty when it is valid). */
export function validateMapping(m: TableMapping, schema: SchemaInfo): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const add = (code: string, path: string, message: string) => issues.push({ code, path, message });
  if (!/^[A-Z0-9][A-Z0-9 _-]{0,29}$/.test(m.name))
    add('invalid_name', 'name', 'Use up to 30 capital letters, digits, spaces, - or _');
  if (!UPDATE_CONFLICT_POLICIES.includes(m.updateConflict))
    add(
      'invalid_policy',
      'updateConflict',
      `Must be one of ${UPDATE_CONFLICT_POLICIES.join(', ')}`,
    );
  if (!DELETION_CONFLICT_POLICIES.includes(m.deletionConflict))
    add(
      'invalid_policy',
      'deletionConflict',
      `Must be one of ${DELETION_CONFLICT_POLICIES.join(', ')}`,
    );
  if (m.isOptionMapping && m.direction === 'Bidirectional') {
    add('option_mapping_bidirectional', 'direction', 'An option mapping cannot be bidirectional');
  }
  if (m.deletionConflict === 'RemoveCoupling' && !m.syncOnlyCoupled) {
    add(
      'remove_coupling_recreates',
      'deletionConflict',
      'With "sync only coupled records" off, the next run would couple the record again; turn it on or choose another policy',
    );
  }
  const enabled = m.fields.filter((f) => f.enabled);
  const passes =
    m.direction === 'Bidirectional'
      ? (['ToIntegrationTable', 'FromIntegrationTable'] as const)
      : [m.direction];
  for (const pass of passes) {
    if (!enabled.some((f) => fieldCovers(f.direction, pass))) {
      add(
        'no_field_for_direction',
        'fields',
        `No enabled field mapping carries values ${pass === 'ToIntegrationTable' ? 'to the CRM' : 'to the ERP'}`,
      );
    }
  }
  for (const dep of m.dependencyFilter
    .split('|')
    .map((d) => d.trim())
    .filter(Boolean)) {
    if (!schema.mappingNames.includes(dep))
      add('unknown_dependency', 'dependencyFilter', `No mapping named '${dep}'`);
    if (dep === m.name)
      add('self_dependency', 'dependencyFilter', 'A mapping cannot depend on itself');
  }
  const erpFields = schema.erpFields(m.erpTable);
  const crmColumns = m.isOptionMapping ? undefined : schema.crmColumns(m.crmEntity);
  m.erpFilter.forEach((c, i) => {
    if (erpFields && !erpFields.includes(c.field))
      add(
        'unknown_erp_filter_field',
        `erpFilter[${i}].field`,
        `The ERP table ${m.erpTable} has no field '${c.field}'`,
      );
  });
  const filterColumns = schema.crmFilterColumns?.(m.crmEntity);
  m.crmFilter.forEach((c, i) => {
    if (!CRM_LOGICAL_NAME.test(c.field))
      add(
        'invalid_crm_filter_field',
        `crmFilter[${i}].field`,
        `'${c.field}' is not a column name (lowercase letters, digits and _)`,
      );
    else if (filterColumns && !filterColumns.includes(c.field) && !CUSTOM_COLUMN.test(c.field))
      add(
        'unknown_crm_filter_field',
        `crmFilter[${i}].field`,
        `The CRM table ${m.crmEntity} has no column '${c.field}'`,
      );
  });
  m.fields.forEach((f, i) => {
    const at = `fields[${i}]`;
    if (!f.erpField && !f.crmField)
      add('empty_field_mapping', at, 'Give an ERP field, a CRM column, or both');
    if ((!f.erpField || !f.crmField) && f.constantValue === undefined) {
      add(
        'missing_constant',
        `${at}.constantValue`,
        'A field mapping with one side only needs a constant value',
      );
    }
    if (f.erpField && !f.crmField && f.direction !== 'FromIntegrationTable') {
      add(
        'constant_direction',
        `${at}.direction`,
        'A constant for an ERP field can only flow from the CRM',
      );
    }
    if (f.crmField && !f.erpField && f.direction !== 'ToIntegrationTable') {
      add(
        'constant_direction',
        `${at}.direction`,
        'A constant for a CRM column can only flow to the CRM',
      );
    }
    if (
      m.direction !== 'Bidirectional' &&
      f.direction !== m.direction &&
      f.direction !== 'Bidirectional'
    ) {
      add('field_direction', `${at}.direction`, `The mapping only synchronizes ${m.direction}`);
    }
    if (f.clearOnFailedSync && f.notNull)
      add(
        'clear_and_not_null',
        at,
        '"Clear value on failed sync" and "not null" exclude each other',
      );
    if (f.erpField && erpFields && !erpFields.includes(f.erpField)) {
      add(
        'unknown_erp_field',
        `${at}.erpField`,
        `The ERP table ${m.erpTable} has no field '${f.erpField}'`,
      );
    }
    if (f.crmField && crmColumns && !crmColumns.includes(f.crmField)) {
      add(
        'unknown_crm_column',
        `${at}.crmField`,
        `The CRM table ${m.crmEntity} has no column '${f.crmField}'`,
      );
    }
    if (f.lookup && !schema.mappingNames.includes(f.lookup.mapping)) {
      add(
        'unknown_lookup_mapping',
        `${at}.lookup.mapping`,
        `No mapping named '${f.lookup.mapping}' to translate the lookup`,
      );
    }
  });
  return issues;
}
