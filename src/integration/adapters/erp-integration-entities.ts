import { type EntityDef, entities, type FieldDef } from '../../erp/catalog/catalog.ts';

/**
 * What the integration reads from the ERP beyond its API: BC's "unit group" per item and resource
 * (as BC's UNIT GROUP mapping makes it: a group named after the item, e.g. ITEM1000, whose base unit is the
 * item's base unit), keys that tell one item's unit apart from another's, the CRM exchange rate of
 * a currency, and the (local) currency of a price group. All read-only, computed by SQL.
 */
const computed = (name: string, type: FieldDef['type'], sql: string): FieldDef => ({
  name,
  type,
  sql,
  readOnly: true,
});

const extra: Record<string, FieldDef[]> = {
  items: [
    computed('unitGroupCode', 'string', `'ITEM' || t.number`),
    computed(
      'baseUnitKey',
      'string',
      `t.number || '|' || coalesce(t.base_unit_of_measure_code, '')`,
    ),
  ],
  resources: [
    computed('unitGroupCode', 'string', `'RESOURCE' || t.number`),
    computed(
      'baseUnitKey',
      'string',
      `t.number || '|' || coalesce(t.base_unit_of_measure_code, '')`,
    ),
  ],
  itemUnitsOfMeasure: [
    computed('unitGroupCode', 'string', `'ITEM' || t.item_number`),
    computed('key', 'string', `t.item_number || '|' || t.code`),
  ],
  resourceUnitsOfMeasure: [
    computed('unitGroupCode', 'string', `'RESOURCE' || t.resource_number`),
    computed('key', 'string', `t.resource_number || '|' || t.code`),
  ],
  currencies: [
    computed(
      'exchangeRate',
      'decimal',
      `coalesce((SELECT r.exchange_rate_amount / r.relational_exchange_rate_amount FROM erp.currency_exchange_rates r
         WHERE r.currency_code = t.code AND r.starting_date <= current_date ORDER BY r.starting_date DESC LIMIT 1), 1)`,
    ),
  ],
  customerPriceGroups: [computed('currencyCode', 'string', 'NULL::text')],
  // A price without a unit is the price of the item's base unit.
  salesPrices: [
    computed(
      'unitKey',
      'string',
      `t.item_number || '|' || coalesce(nullif(t.unit_of_measure_code, ''),
         (SELECT i.base_unit_of_measure_code FROM erp.items i WHERE i.number = t.item_number), '')`,
    ),
  ],
  // The company contact of the customer (its contact business relation), for CONTACT's parent.
  customers: [
    // The engine's "empty" is '' while BC's blank Blocked option is a space.
    computed('blocked', 'string', `CASE WHEN t.blocked = ' ' THEN '' ELSE t.blocked END`),
    computed(
      'companyContactNumber',
      'string',
      `(SELECT k.number FROM erp.contacts k WHERE k.customer_number = t.number AND k.type = 'Company'
         ORDER BY k.number LIMIT 1)`,
    ),
  ],
};

const unitGroups: EntityDef = {
  set: 'unitGroups',
  // An item or resource without a base unit has no unit group: a CRM unit group is created with its
  // base unit, which it keeps (baseuomname cannot change afterwards).
  table: `(SELECT id, change_seq, modified_by, last_modified_at, 'ITEM' || number AS code, 'Item' AS source_type,
             number AS source_number, base_unit_of_measure_code AS base_unit_code FROM erp.items
            WHERE base_unit_of_measure_code IS NOT NULL
           UNION ALL
           SELECT id, change_seq, modified_by, last_modified_at, 'RESOURCE' || number, 'Resource', number,
             base_unit_of_measure_code FROM erp.resources WHERE base_unit_of_measure_code IS NOT NULL)`,
  fields: [
    computed('id', 'guid', 't.id'),
    computed('code', 'string', 't.code'),
    computed('sourceType', 'string', 't.source_type'),
    computed('sourceNumber', 'string', 't.source_number'),
    computed('baseUnitCode', 'string', 't.base_unit_code'),
  ],
  defaultOrder: 't.code',
  writable: false,
};

/** `<number>|<unit code>` keys of `$1` split at their last '|'. */
const splitKeys = `SELECT left(v, length(v) - strpos(reverse(v), '|')), right(v, strpos(reverse(v), '|') - 1)
   FROM unnest($1::text[]) v`;

/**
 * Index-friendly conditions that narrow the rows a lookup by a computed field must check, for the
 * values looked for (`$1`, a text array): without them every lookup computes the field for the
 * whole table (a full synchronization of contacts read every customer once per contact). The
 * field's own value is still compared after them, so they only need to keep every match.
 */
export const computedFinders: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  customers: {
    companyContactNumber: `t.number IN (SELECT k.customer_number FROM erp.contacts k WHERE k.number = ANY($1::text[]))`,
  },
  unitGroups: {
    code: `t.source_number IN (SELECT substr(v, 5) FROM unnest($1::text[]) v UNION ALL SELECT substr(v, 9) FROM unnest($1::text[]) v)`,
  },
  itemUnitsOfMeasure: { key: `(t.item_number, t.code) IN (${splitKeys})` },
  resourceUnitsOfMeasure: { key: `(t.resource_number, t.code) IN (${splitKeys})` },
};

/** The entity's fields with the extra ones added (an extra field replaces one of the same name). */
function withExtra(fields: readonly FieldDef[], more: readonly FieldDef[]): FieldDef[] {
  const names = new Set(more.map((x) => x.name));
  return [...fields.filter((x) => !names.has(x.name)), ...more];
}

/** The ERP entity sets as the integration sees them. */
export const integrationEntities: ReadonlyMap<string, EntityDef> = new Map([
  ...[...entities.entries()].map(([set, e]): [string, EntityDef] => [
    set,
    extra[set] ? { ...e, fields: withExtra(e.fields, extra[set]) } : e,
  ]),
  ['unitGroups', unitGroups],
]);
