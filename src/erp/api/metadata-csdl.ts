import { boundActions } from '../catalog/bound-actions.ts';
import { apiEntities } from '../catalog/catalog.ts';
import type { EntityDef, FieldDef, FieldType } from '../catalog/field-types.ts';
import { navigationOf } from '../catalog/navigation.ts';

/** BC's namespace for the standard API's types and bound actions. */
export const NAMESPACE = 'Microsoft.NAV';

const EDM: Record<FieldType, string> = {
  string: 'Edm.String',
  decimal: 'Edm.Decimal',
  integer: 'Edm.Int32',
  boolean: 'Edm.Boolean',
  date: 'Edm.Date',
  datetime: 'Edm.DateTimeOffset',
  guid: 'Edm.Guid',
  json: `${NAMESPACE}.archivedRecord`,
};

/** Entity type names that are not the set name minus its plural ending. */
const TYPE_NAMES: Record<string, string> = {
  salespeople: 'salesperson',
  numberSeries: 'numberSeries',
  unitsOfMeasure: 'unitOfMeasure',
  itemUnitsOfMeasure: 'itemUnitOfMeasure',
  resourceUnitsOfMeasure: 'resourceUnitOfMeasure',
  salesSetup: 'salesSetup',
  generalSetup: 'generalSetup',
};

/** The entity type of a set, singular as BC names them (`customers` → `customer`). */
export function entityTypeName(set: string): string {
  if (TYPE_NAMES[set]) return TYPE_NAMES[set];
  if (set.endsWith('ies')) return `${set.slice(0, -3)}y`;
  return set.endsWith('s') ? set.slice(0, -1) : set;
}

/** Sets that are not generically writable but whose records the API writes through services. */
const WRITTEN_BY_SERVICES = new Set([
  'salesQuotes',
  'salesOrders',
  'salesQuoteLines',
  'salesOrderLines',
  'salesInvoices',
  'salesInvoiceLines',
  'salesCreditMemos',
  'salesCreditMemoLines',
]);

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function property(def: EntityDef, f: FieldDef): string {
  const type = f.type === 'json' && f.name === 'lines' ? `Collection(${EDM.json})` : EDM[f.type];
  const attrs = [`Name="${f.name}"`, `Type="${type}"`];
  // A required code that an id can stand in for (customerNumber ← customerId) stays optional.
  const replaceable = def.fields.some((x) => x.writeVia?.field === f.name);
  if (f.name === 'id' || (f.required && f.nullable !== true && !replaceable))
    attrs.push('Nullable="false"');
  if (f.type === 'string' && f.maxLength) attrs.push(`MaxLength="${f.maxLength}"`);
  if (f.type === 'decimal') attrs.push('Scale="Variable"');
  // Clients (and code generators) leave computed properties out of what they send.
  const computed =
    f.readOnly ||
    f.apiReadOnly ||
    (!f.column && !f.writeVia) ||
    !(def.writable || WRITTEN_BY_SERVICES.has(def.set));
  const annotations = [
    computed ? '<Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/>' : '',
    f.values
      ? `<Annotation Term="Org.OData.Core.V1.Description" String="${esc(`One of: ${f.values.map((v) => `'${v}'`).join(', ')}`)}"/>`
      : '',
  ].join('');
  return annotations
    ? `<Property ${attrs.join(' ')}>${annotations}</Property>`
    : `<Property ${attrs.join(' ')}/>`;
}

function entityType(def: EntityDef): string {
  const nav = navigationOf(def.set).map((n) =>
    n.kind === 'one'
      ? `<NavigationProperty Name="${n.name}" Type="${NAMESPACE}.${entityTypeName(n.target)}"/>`
      : `<NavigationProperty Name="${n.name}" Type="Collection(${NAMESPACE}.${entityTypeName(n.target)})" ContainsTarget="true"/>`,
  );
  return [
    `<EntityType Name="${entityTypeName(def.set)}">`,
    '<Key><PropertyRef Name="id"/></Key>',
    ...def.fields.map((f) => property(def, f)),
    ...nav,
    '</EntityType>',
  ].join('');
}

function action(a: (typeof boundActions)[number]): string {
  return [
    `<Action Name="${a.name}" IsBound="true">`,
    `<Parameter Name="${entityTypeName(a.set)}" Type="${NAMESPACE}.${entityTypeName(a.set)}" Nullable="false"/>`,
    ...a.parameters.map(
      (p) =>
        `<Parameter Name="${p.name}" Type="${p.type}"${p.nullable === false ? ' Nullable="false"' : ''}/>`,
    ),
    '</Action>',
  ].join('');
}

let cached: string | undefined;

/**
 * The CSDL (`$metadata`) of the ERP API, generated from the entity catalogue, the navigation
 * properties and the bound actions the router serves, so it cannot drift from what is served.
 */
export function erpMetadataXml(): string {
  if (cached) return cached;
  const defs = [...apiEntities.values()];
  const company = defs.find((d) => d.set === 'companies')!;
  const companyNav = defs
    .filter((d) => d.set !== 'companies')
    .map(
      (d) =>
        `<NavigationProperty Name="${d.set}" Type="Collection(${NAMESPACE}.${entityTypeName(d.set)})" ContainsTarget="true"/>`,
    )
    .join('');
  const types = defs.map((d) =>
    d === company
      ? entityType(d).replace('</EntityType>', `${companyNav}</EntityType>`)
      : entityType(d),
  );
  const sets = defs.map((d) => {
    const bindings = navigationOf(d.set)
      .filter((n) => n.kind === 'one')
      .map((n) => `<NavigationPropertyBinding Path="${n.name}" Target="${n.target}"/>`)
      .join('');
    return `<EntitySet Name="${d.set}" EntityType="${NAMESPACE}.${entityTypeName(d.set)}">${bindings}</EntitySet>`;
  });
  cached = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '<edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">',
    '<edmx:Include Namespace="Org.OData.Core.V1" Alias="Core"/>',
    '</edmx:Reference>',
    '<edmx:DataServices>',
    `<Schema Namespace="${NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
    `<ComplexType Name="archivedRecord" OpenType="true"/>`,
    '<ComplexType Name="postingLine">',
    '<Property Name="sequence" Type="Edm.Int32" Nullable="false"/>',
    '<Property Name="shipQuantity" Type="Edm.Decimal" Scale="Variable"/>',
    '<Property Name="invoiceQuantity" Type="Edm.Decimal" Scale="Variable"/>',
    '</ComplexType>',
    ...types,
    ...boundActions.map(action),
    '<EntityContainer Name="NAV">',
    ...sets,
    '</EntityContainer>',
    '</Schema>',
    '</edmx:DataServices>',
    '</edmx:Edmx>',
  ].join('\n');
  return cached;
}
