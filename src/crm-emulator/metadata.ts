import { registerOperation } from './api/router.ts';
import { optionsOf } from './catalogue/definitions.ts';
import {
  collectionNavigations,
  ENTITIES,
  type EntityDef,
  entityByName,
  navigations,
} from './catalogue/index.ts';
import type { ColumnDef } from './catalogue/types.ts';

const EDM: Record<ColumnDef['type'], string> = {
  string: 'Edm.String',
  memo: 'Edm.String',
  integer: 'Edm.Int32',
  bigint: 'Edm.Int64',
  decimal: 'Edm.Decimal',
  money: 'Edm.Decimal',
  boolean: 'Edm.Boolean',
  datetime: 'Edm.DateTimeOffset',
  dateonly: 'Edm.Date',
  guid: 'Edm.Guid',
  picklist: 'Edm.Int32',
  state: 'Edm.Int32',
  status: 'Edm.Int32',
  lookup: 'Edm.Guid',
};

/** Actions and functions the emulator serves: name → parameters and return type. */
const OPERATIONS: {
  name: string;
  kind: 'Action' | 'Function';
  params: [string, string][];
  returns?: string;
}[] = [
  { name: 'WhoAmI', kind: 'Function', params: [], returns: 'mscrm.WhoAmIResponse' },
  {
    name: 'RetrieveVersion',
    kind: 'Function',
    params: [],
    returns: 'mscrm.RetrieveVersionResponse',
  },
  {
    name: 'RetrieveMetadataChanges',
    kind: 'Function',
    params: [
      ['Query', 'mscrm.EntityQueryExpression'],
      ['ClientVersionStamp', 'Edm.String'],
    ],
    returns: 'mscrm.RetrieveMetadataChangesResponse',
  },
  {
    name: 'InsertOptionValue',
    kind: 'Action',
    params: [
      ['EntityLogicalName', 'Edm.String'],
      ['AttributeLogicalName', 'Edm.String'],
      ['Label', 'mscrm.Label'],
    ],
    returns: 'mscrm.InsertOptionValueResponse',
  },
  {
    name: 'WinQuote',
    kind: 'Action',
    params: [
      ['QuoteClose', 'mscrm.quoteclose'],
      ['Status', 'Edm.Int32'],
    ],
  },
  {
    name: 'CloseQuote',
    kind: 'Action',
    params: [
      ['QuoteClose', 'mscrm.quoteclose'],
      ['Status', 'Edm.Int32'],
    ],
  },
  {
    name: 'ReviseQuote',
    kind: 'Action',
    params: [
      ['QuoteId', 'Edm.Guid'],
      ['ColumnSet', 'mscrm.ColumnSet'],
    ],
    returns: 'mscrm.quote',
  },
  {
    name: 'ConvertQuoteToSalesOrder',
    kind: 'Action',
    params: [
      ['QuoteId', 'Edm.Guid'],
      ['ColumnSet', 'mscrm.ColumnSet'],
    ],
    returns: 'mscrm.salesorder',
  },
  {
    name: 'FulfillSalesOrder',
    kind: 'Action',
    params: [
      ['OrderClose', 'mscrm.orderclose'],
      ['Status', 'Edm.Int32'],
    ],
  },
  {
    name: 'CancelSalesOrder',
    kind: 'Action',
    params: [
      ['OrderClose', 'mscrm.orderclose'],
      ['Status', 'Edm.Int32'],
    ],
  },
  {
    name: 'WinOpportunity',
    kind: 'Action',
    params: [
      ['OpportunityClose', 'mscrm.opportunityclose'],
      ['Status', 'Edm.Int32'],
    ],
  },
  {
    name: 'LoseOpportunity',
    kind: 'Action',
    params: [
      ['OpportunityClose', 'mscrm.opportunityclose'],
      ['Status', 'Edm.Int32'],
    ],
  },
  { name: 'CalculatePrice', kind: 'Action', params: [['Target', 'mscrm.crmbaseentity']] },
  {
    name: 'ConvertSalesOrderToInvoice',
    kind: 'Action',
    params: [
      ['SalesOrderId', 'Edm.Guid'],
      ['ColumnSet', 'mscrm.ColumnSet'],
    ],
    returns: 'mscrm.invoice',
  },
];

/** Parameters a client may leave out. */
const OPTIONAL_PARAMETERS = new Set(['ClientVersionStamp']);

/** Complex types of the functions' parameters and answers. */
const SUPPORT_TYPES = [
  '<ComplexType Name="RetrieveVersionResponse"><Property Name="Version" Type="Edm.String"/></ComplexType>',
  '<ComplexType Name="InsertOptionValueResponse"><Property Name="NewOptionValue" Type="Edm.Int32" Nullable="false"/></ComplexType>',
  '<ComplexType Name="LocalizedLabel"><Property Name="Label" Type="Edm.String"/><Property Name="LanguageCode" Type="Edm.Int32" Nullable="false"/></ComplexType>',
  '<ComplexType Name="Label"><Property Name="LocalizedLabels" Type="Collection(mscrm.LocalizedLabel)"/><Property Name="UserLocalizedLabel" Type="mscrm.LocalizedLabel"/></ComplexType>',
  '<ComplexType Name="MetadataPropertiesExpression"><Property Name="AllProperties" Type="Edm.Boolean" Nullable="false"/><Property Name="PropertyNames" Type="Collection(Edm.String)"/></ComplexType>',
  '<ComplexType Name="MetadataConditionExpression"><Property Name="PropertyName" Type="Edm.String"/><Property Name="ConditionOperator" Type="Edm.String"/><Property Name="Value" Type="mscrm.Object"/></ComplexType>',
  '<ComplexType Name="Object" OpenType="true"><Property Name="Type" Type="Edm.String"/><Property Name="Value" Type="Edm.String"/></ComplexType>',
  '<ComplexType Name="MetadataFilterExpression"><Property Name="FilterOperator" Type="Edm.String"/><Property Name="Conditions" Type="Collection(mscrm.MetadataConditionExpression)"/></ComplexType>',
  '<ComplexType Name="AttributeQueryExpression"><Property Name="Criteria" Type="mscrm.MetadataFilterExpression"/><Property Name="Properties" Type="mscrm.MetadataPropertiesExpression"/></ComplexType>',
  '<ComplexType Name="EntityQueryExpression"><Property Name="Criteria" Type="mscrm.MetadataFilterExpression"/><Property Name="Properties" Type="mscrm.MetadataPropertiesExpression"/><Property Name="AttributeQuery" Type="mscrm.AttributeQueryExpression"/></ComplexType>',
  '<ComplexType Name="EntityMetadata" OpenType="true"><Property Name="MetadataId" Type="Edm.Guid"/><Property Name="LogicalName" Type="Edm.String"/><Property Name="EntitySetName" Type="Edm.String"/></ComplexType>',
  '<ComplexType Name="DeletedMetadataCollection" OpenType="true"/>',
  '<ComplexType Name="RetrieveMetadataChangesResponse"><Property Name="EntityMetadata" Type="Collection(mscrm.EntityMetadata)"/><Property Name="ServerVersionStamp" Type="Edm.String"/><Property Name="DeletedMetadata" Type="mscrm.DeletedMetadataCollection"/></ComplexType>',
];

/** An option's label as an enum member name (letters, digits and `_`, unique in its enum). */
function memberNames(options: readonly { value: number; label: string }[]): string[] {
  const seen = new Set<string>();
  return options.map((o) => {
    let name = o.label.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || `Value${o.value}`;
    if (/^\d/.test(name)) name = `_${name}`;
    if (seen.has(name)) name = `${name}_${o.value}`;
    seen.add(name);
    return name;
  });
}

/**
 * The option sets of a table as enum types (`account_customertypecode`), so code generators can
 * name the values; the columns themselves stay `Edm.Int32`, the numbers Dataverse sends.
 */
function enumTypes(e: EntityDef): string[] {
  const out: string[] = [];
  for (const column of Object.keys(e.columns)) {
    const options = optionsOf(e, column);
    if (!options || options.length === 0) continue;
    const names = memberNames(options);
    out.push(
      `<EnumType Name="${e.logicalName}_${column}" UnderlyingType="Edm.Int32">${options
        .map((o, i) => `<Member Name="${names[i]}" Value="${o.value}"/>`)
        .join('')}</EnumType>`,
    );
  }
  return out;
}

function entityType(e: EntityDef, annotations: boolean): string[] {
  const out = [`<EntityType Name="${e.logicalName}" BaseType="mscrm.crmbaseentity">`];
  out.push(`<Key><PropertyRef Name="${e.primaryKey}"/></Key>`);
  for (const [column, def] of Object.entries(e.columns)) {
    const name = def.type === 'lookup' ? `_${column}_value` : column;
    const facets =
      def.type === 'string' || def.type === 'memo'
        ? ` Unicode="false"${def.maxLength ? ` MaxLength="${def.maxLength}"` : ''}`
        : def.type === 'decimal' || def.type === 'money'
          ? ' Scale="Variable"'
          : '';
    const computed = annotations && (def.readOnly || def.type === 'lookup');
    out.push(
      computed
        ? `<Property Name="${name}" Type="${EDM[def.type]}"${facets}><Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/></Property>`
        : `<Property Name="${name}" Type="${EDM[def.type]}"${facets}/>`,
    );
  }
  for (const [name, navs] of navigations(e)) {
    const target = navs.length === 1 ? `mscrm.${navs[0]!.target}` : 'mscrm.principal';
    const key = navs.length === 1 ? entityByName(navs[0]!.target)!.primaryKey : 'ownerid';
    out.push(
      `<NavigationProperty Name="${name}" Type="${target}"><ReferentialConstraint Property="_${navs[0]!.column}_value" ReferencedProperty="${key}"/></NavigationProperty>`,
    );
  }
  for (const many of collectionNavigations(e).values()) {
    out.push(`<NavigationProperty Name="${many.name}" Type="Collection(mscrm.${many.target})"/>`);
  }
  out.push('</EntityType>');
  return out;
}

/** The CSDL of the tables and operations the emulator serves. */
export function metadataDocument(annotations: boolean): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '<edmx:DataServices>',
    '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    '<EntityType Name="crmbaseentity" Abstract="true"/>',
    '<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true"><Property Name="ownerid" Type="Edm.Guid"/></EntityType>',
    '<EntityType Name="quoteclose" BaseType="mscrm.crmbaseentity"><Key><PropertyRef Name="activityid"/></Key><Property Name="activityid" Type="Edm.Guid"/><Property Name="subject" Type="Edm.String"/><NavigationProperty Name="quoteid" Type="mscrm.quote"/></EntityType>',
    '<EntityType Name="opportunityclose" BaseType="mscrm.crmbaseentity"><Key><PropertyRef Name="activityid"/></Key><Property Name="activityid" Type="Edm.Guid"/><Property Name="subject" Type="Edm.String"/><NavigationProperty Name="opportunityid" Type="mscrm.opportunity"/></EntityType>',
    '<EntityType Name="orderclose" BaseType="mscrm.crmbaseentity"><Key><PropertyRef Name="activityid"/></Key><Property Name="activityid" Type="Edm.Guid"/><Property Name="subject" Type="Edm.String"/><NavigationProperty Name="salesorderid" Type="mscrm.salesorder"/></EntityType>',
    ...ENTITIES.flatMap((e) => entityType(e, annotations)),
    '<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false"/><Property Name="UserId" Type="Edm.Guid" Nullable="false"/><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false"/></ComplexType>',
    '<ComplexType Name="ColumnSet"><Property Name="AllColumns" Type="Edm.Boolean" Nullable="false"/><Property Name="Columns" Type="Collection(Edm.String)"/></ComplexType>',
    ...SUPPORT_TYPES,
    ...ENTITIES.flatMap(enumTypes),
  ];
  for (const op of OPERATIONS) {
    lines.push(`<${op.kind} Name="${op.name}">`);
    for (const [n, t] of op.params)
      lines.push(`<Parameter Name="${n}" Type="${t}" Nullable="${OPTIONAL_PARAMETERS.has(n)}"/>`);
    if (op.returns) lines.push(`<ReturnType Type="${op.returns}" Nullable="false"/>`);
    lines.push(`</${op.kind}>`);
  }
  lines.push(
    '<ComplexType Name="CreateMultipleResponse"><Property Name="Ids" Type="Collection(Edm.Guid)" Nullable="false"/></ComplexType>',
  );
  for (const bulk of ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple']) {
    lines.push(
      `<Action Name="${bulk}" IsBound="true"><Parameter Name="entityset" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/><Parameter Name="Targets" Type="Collection(mscrm.crmbaseentity)" Nullable="false"/>${bulk === 'CreateMultiple' ? '<ReturnType Type="mscrm.CreateMultipleResponse" Nullable="false"/>' : ''}</Action>`,
    );
  }
  lines.push('<EntityContainer Name="System">');
  for (const e of ENTITIES) {
    lines.push(`<EntitySet Name="${e.entitySet}" EntityType="mscrm.${e.logicalName}">`);
    for (const [name, navs] of navigations(e)) {
      if (navs.length !== 1) continue;
      lines.push(
        `<NavigationPropertyBinding Path="${name}" Target="${entityByName(navs[0]!.target)!.entitySet}"/>`,
      );
    }
    if (annotations && e.changeTracking) {
      lines.push(
        '<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true"/></Record></Annotation>',
      );
    }
    lines.push('</EntitySet>');
  }
  for (const op of OPERATIONS) {
    lines.push(
      op.kind === 'Function'
        ? `<FunctionImport Name="${op.name}" Function="mscrm.${op.name}"/>`
        : `<ActionImport Name="${op.name}" Action="mscrm.${op.name}"/>`,
    );
  }
  lines.push('</EntityContainer>', '</Schema>', '</edmx:DataServices>', '</edmx:Edmx>');
  return lines.join('\n');
}

registerOperation('$metadata', 'GET', async (_ctx, req) => ({
  status: 200,
  headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' },
  body: metadataDocument(req.url.searchParams.get('annotations') === 'true'),
}));
