import { createHash } from 'node:crypto';
import type { ColumnDef, EntityDef, OptionDef } from './types.ts';

/**
 * The catalogue as Dataverse's metadata types describe it (EntityMetadata, AttributeMetadata):
 * what `EntityDefinitions` and `RetrieveMetadataChanges` answer. Pure functions of the catalogue,
 * the same one `$metadata`, storage and validation use.
 */

/** A stable id per metadata item (Dataverse ids do not change between calls either). */
export function metadataId(...parts: string[]): string {
  const h = createHash('sha1')
    .update(`kobling-metadata:${parts.join('.')}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const label = (text: string) => ({
  LocalizedLabels: [{ Label: text, LanguageCode: 1033, IsManaged: true }],
  UserLocalizedLabel: { Label: text, LanguageCode: 1033, IsManaged: true },
});

const ATTRIBUTE_TYPE: Record<ColumnDef['type'], [string, string]> = {
  string: ['String', 'String'],
  memo: ['Memo', 'Memo'],
  integer: ['Integer', 'Integer'],
  bigint: ['BigInt', 'BigInt'],
  decimal: ['Decimal', 'Decimal'],
  money: ['Money', 'Money'],
  boolean: ['Boolean', 'Boolean'],
  datetime: ['DateTime', 'DateTime'],
  dateonly: ['DateTime', 'DateTime'],
  guid: ['Uniqueidentifier', 'UniqueIdentifier'],
  picklist: ['Picklist', 'Picklist'],
  state: ['State', 'State'],
  status: ['Status', 'Status'],
  lookup: ['Lookup', 'Lookup'],
};

/** The `@odata.type` of an attribute's metadata (the derived AttributeMetadata type). */
const METADATA_TYPE: Record<string, string> = {
  String: 'StringAttributeMetadata',
  Memo: 'MemoAttributeMetadata',
  Integer: 'IntegerAttributeMetadata',
  BigInt: 'BigIntAttributeMetadata',
  Decimal: 'DecimalAttributeMetadata',
  Money: 'MoneyAttributeMetadata',
  Boolean: 'BooleanAttributeMetadata',
  DateTime: 'DateTimeAttributeMetadata',
  Uniqueidentifier: 'UniqueIdentifierAttributeMetadata',
  Picklist: 'PicklistAttributeMetadata',
  State: 'StateAttributeMetadata',
  Status: 'StatusAttributeMetadata',
  Lookup: 'LookupAttributeMetadata',
  Customer: 'LookupAttributeMetadata',
  Owner: 'LookupAttributeMetadata',
};

const schemaName = (logical: string) => logical.charAt(0).toUpperCase() + logical.slice(1);

/** The options of a choice, state or status column (picklists without run-time additions). */
export function optionsOf(entity: EntityDef, column: string): readonly OptionDef[] | undefined {
  const def = entity.columns[column];
  if (!def) return undefined;
  if (def.type === 'picklist') return def.options ?? [];
  if (def.type === 'state') return entity.states?.map((s) => ({ value: s.value, label: s.label }));
  if (def.type === 'status') return entity.states?.flatMap((s) => s.statuses);
  return undefined;
}

function attributeType(column: string, def: ColumnDef): string {
  if (def.type !== 'lookup') return ATTRIBUTE_TYPE[def.type][0];
  if (column === 'ownerid') return 'Owner';
  return (def.targets?.length ?? 0) > 1 ? 'Customer' : 'Lookup';
}

/** AttributeMetadata of one column (OptionSet only when asked: Dataverse expands it). */
export function attributeMetadata(
  entity: EntityDef,
  column: string,
  extraOptions: readonly OptionDef[] = [],
  withOptionSet = false,
): Record<string, unknown> {
  const def = entity.columns[column]!;
  const type = attributeType(column, def);
  const options = optionsOf(entity, column);
  const writable = !def.readOnly && column !== 'statecode';
  return {
    '@odata.type': `#Microsoft.Dynamics.CRM.${METADATA_TYPE[type]}`,
    MetadataId: metadataId(entity.logicalName, column),
    LogicalName: column,
    SchemaName: schemaName(column),
    EntityLogicalName: entity.logicalName,
    AttributeType: type,
    AttributeTypeName: {
      Value: `${def.type === 'lookup' ? type : ATTRIBUTE_TYPE[def.type][1]}Type`,
    },
    DisplayName: label(column),
    IsPrimaryId: column === entity.primaryKey,
    IsPrimaryName: column === entity.primaryName,
    IsCustomAttribute: false,
    IsValidForCreate: writable && !def.updateOnly,
    IsValidForUpdate: writable && !def.createOnly && column !== entity.primaryKey,
    IsValidForRead: true,
    RequiredLevel: {
      Value:
        column === entity.primaryKey
          ? 'SystemRequired'
          : def.required
            ? 'ApplicationRequired'
            : 'None',
      CanBeChanged: false,
    },
    ...(def.maxLength !== undefined ? { MaxLength: def.maxLength } : {}),
    ...(def.min !== undefined ? { MinValue: def.min } : {}),
    ...(def.max !== undefined ? { MaxValue: def.max } : {}),
    ...(def.type === 'lookup' ? { Targets: def.targets ?? [] } : {}),
    ...(def.type === 'dateonly'
      ? { Format: 'DateOnly', DateTimeBehavior: { Value: 'DateOnly' } }
      : {}),
    ...(withOptionSet && options
      ? {
          OptionSet: {
            MetadataId: metadataId(entity.logicalName, column, 'optionset'),
            Name: `${entity.logicalName}_${column}`,
            IsGlobal: false,
            OptionSetType: type === 'Picklist' ? 'Picklist' : type,
            Options: [...options, ...extraOptions].map((o) => ({
              Value: o.value,
              Label: label(o.label),
            })),
          },
        }
      : {}),
  };
}

/**
 * The attribute naming the target table of a polymorphic lookup (Owner, Customer), as Dataverse
 * lists it beside the lookup: `owneridtype`, `parentcustomeridtype` (EntityNameAttributeMetadata,
 * AttributeOf the lookup). Binding the lookup sets it; a plain lookup has none.
 */
function typeAttributeMetadata(entity: EntityDef, lookup: string): Record<string, unknown> {
  const name = `${lookup}type`;
  return {
    '@odata.type': '#Microsoft.Dynamics.CRM.EntityNameAttributeMetadata',
    MetadataId: metadataId(entity.logicalName, name),
    LogicalName: name,
    SchemaName: schemaName(name),
    EntityLogicalName: entity.logicalName,
    AttributeType: 'EntityName',
    AttributeTypeName: { Value: 'EntityNameType' },
    AttributeOf: lookup,
    DisplayName: label(name),
    IsPrimaryId: false,
    IsPrimaryName: false,
    IsCustomAttribute: false,
    IsValidForCreate: true,
    IsValidForUpdate: true,
    IsValidForRead: true,
    RequiredLevel: { Value: 'None', CanBeChanged: false },
  };
}

/**
 * Every attribute of a table as Dataverse lists them: its columns, and beside each Owner or
 * Customer lookup the attribute that names its target table. `extraOptions` gives a choice
 * column's options added at run time.
 */
export function entityAttributes(
  entity: EntityDef,
  extraOptions: (column: string) => readonly OptionDef[] | undefined,
  withOptionSet = false,
): Record<string, unknown>[] {
  return Object.entries(entity.columns).flatMap(([column, def]) => {
    const item = attributeMetadata(entity, column, extraOptions(column), withOptionSet);
    const polymorphic = def.type === 'lookup' && attributeType(column, def) !== 'Lookup';
    return polymorphic ? [item, typeAttributeMetadata(entity, column)] : [item];
  });
}

const OWNERSHIP = { user: 'UserOwned', organization: 'OrganizationOwned', none: 'None' } as const;

/** EntityMetadata of a table (without its Attributes). */
export function entityMetadata(entity: EntityDef): Record<string, unknown> {
  return {
    '@odata.type': '#Microsoft.Dynamics.CRM.EntityMetadata',
    MetadataId: metadataId(entity.logicalName),
    LogicalName: entity.logicalName,
    SchemaName: schemaName(entity.logicalName),
    EntitySetName: entity.entitySet,
    LogicalCollectionName: entity.entitySet,
    CollectionSchemaName: schemaName(entity.entitySet),
    PrimaryIdAttribute: entity.primaryKey,
    PrimaryNameAttribute: entity.primaryName,
    DisplayName: label(entity.displayName),
    DisplayCollectionName: label(`${entity.displayName}s`),
    OwnershipType: OWNERSHIP[entity.ownership],
    ChangeTrackingEnabled: entity.changeTracking,
    IsCustomEntity: false,
    IsActivity: false,
    IsManaged: true,
    TableType: 'Standard',
  };
}
