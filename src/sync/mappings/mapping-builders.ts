import type {
  Direction,
  FieldMapping,
  FilterCondition,
  LookupSpec,
  TableMapping,
} from '../model.ts';

/**
 * The vocabulary default-mappings.ts writes the default mappings in: a field pair with an arrow
 * (`⇄` bidirectional, `→` ERP to CRM, `←` CRM to ERP), lookups, owner fields, a mapping with BC's
 * defaults, and the field groups several mappings share.
 */

export type Arrow = '⇄' | '→' | '←';
const DIR: Record<Arrow, Direction> = {
  '⇄': 'Bidirectional',
  '→': 'ToIntegrationTable',
  '←': 'FromIntegrationTable',
};

export interface FieldOptions {
  lookup?: LookupSpec;
  constant?: string;
  validate?: boolean;
  clearOnFailedSync?: boolean;
  notNull?: boolean;
  match?: { priority?: number; caseSensitive?: boolean };
}

export type FieldDef = Omit<FieldMapping, 'position'>;

/** One field pair. */
export function f(
  erpField: string | null,
  arrow: Arrow,
  crmField: string | null,
  o: FieldOptions = {},
): FieldDef {
  return {
    ...(erpField ? { erpField } : {}),
    ...(crmField ? { crmField } : {}),
    direction: DIR[arrow],
    ...(o.constant !== undefined ? { constantValue: o.constant } : {}),
    ...(o.lookup ? { lookup: o.lookup } : {}),
    validateField: o.validate ?? true,
    validateCrmField: false,
    clearOnFailedSync: o.clearOnFailedSync ?? false,
    notNull: o.notNull ?? false,
    enabled: true,
    useForMatching: o.match !== undefined,
    caseSensitiveMatching: o.match?.caseSensitive ?? false,
    matchPriority: o.match?.priority ?? 0,
  };
}

export const active: FilterCondition = { field: 'statecode', op: 'eq', value: 0 };
/**
 * Items and resources without a base unit of measure stay out of the product mappings: a product
 * needs its unit group and default unit, and there is none (BC fails such a record with "Base Unit
 * of Measure must have a value"; here it is outside the filter, which says why, and so does not
 * fail a full synchronization's line and hold the price and invoice lines after it).
 */
export const hasBaseUnit: FilterCondition = { field: 'baseUnitOfMeasureCode', op: 'notEmpty' };
export const lookup = (mapping: string, erpKey = 'code'): { lookup: LookupSpec } => ({
  lookup: { mapping, erpKey },
});
/** A lookup of the record's parent (LookupSpec.parent): it goes with its coupled parent. */
export const parentLookup = (mapping: string, erpKey = 'code'): { lookup: LookupSpec } => ({
  lookup: { mapping, erpKey, parent: true },
});

/** The owner pair of the Person ownership model (omitted in the Team model). */
export const ownerFields = (
  personModel: boolean,
  salespersonField = 'salespersonCode',
): FieldDef[] =>
  personModel
    ? [
        f(null, '→', 'owneridtype', { constant: 'systemuser' }),
        f(salespersonField, '→', 'ownerid', { ...lookup('SALESPEOPLE'), notNull: true }),
      ]
    : [];

export interface MappingDef
  extends Omit<TableMapping, 'fields' | 'userDefined' | 'jobEnabled' | 'jobIntervalMinutes'> {
  readonly fields: readonly FieldDef[];
  readonly jobEnabled?: boolean;
}

export function mapping(
  def: Partial<MappingDef> &
    Pick<MappingDef, 'name' | 'erpTable' | 'crmEntity' | 'direction' | 'fields'>,
): MappingDef {
  return {
    erpFilter: [],
    crmFilter: [],
    syncOnlyCoupled: true,
    updateConflict: 'None',
    deletionConflict: 'None',
    dependencyFilter: '',
    isOptionMapping: false,
    syncAfterCoupling: false,
    createNewOnNoMatch: false,
    inactivityTimeoutMinutes: 720,
    ...def,
  };
}

export const optionMapping = (name: string, erpTable: string, column: string): MappingDef =>
  mapping({
    name,
    erpTable,
    crmEntity: `account.${column}`,
    direction: 'ToIntegrationTable',
    isOptionMapping: true,
    syncAfterCoupling: true,
    createNewOnNoMatch: true,
    inactivityTimeoutMinutes: 1440,
    fields: [f('code', '→', column, { match: {} })],
  });

/** The product's unit group and default unit: per item/resource groups, or plain units (as BC). */
export function productUnitFields(unitGroups: boolean, uomMapping: string): FieldDef[] {
  return unitGroups
    ? [
        f('unitGroupCode', '→', 'defaultuomscheduleid', lookup('UNIT GROUP')),
        f('baseUnitKey', '→', 'defaultuomid', lookup(uomMapping, 'key')),
      ]
    : [f('baseUnitOfMeasureCode', '⇄', 'defaultuomscheduleid', lookup('UNIT OF MEASURE'))];
}

export function addressFields(arrow: Arrow): FieldDef[] {
  const pairs: [string, string][] = [
    ['shipToName', 'shipto_name'],
    ['shipToAddressLine1', 'shipto_line1'],
    ['shipToAddressLine2', 'shipto_line2'],
    ['shipToCity', 'shipto_city'],
    ['shipToCountry', 'shipto_country'],
    ['shipToPostCode', 'shipto_postalcode'],
    ['shipToState', 'shipto_stateorprovince'],
    ['billToName', 'billto_name'],
    ['billToAddressLine1', 'billto_line1'],
    ['billToAddressLine2', 'billto_line2'],
    ['billToCity', 'billto_city'],
    ['billToCountry', 'billto_country'],
    ['billToPostCode', 'billto_postalcode'],
    ['billToState', 'billto_stateorprovince'],
  ];
  return pairs.map(([erp, crm]) => f(erp, arrow, crm));
}
