import { CORE_ENTITIES } from './core.ts';
import { PRODUCT_ENTITIES } from './products.ts';
import { SALES_ENTITIES } from './sales.ts';
import type { ColumnDef, EntityDef, NavigationDef } from './types.ts';

export type { ColumnDef, EntityDef, NavigationDef } from './types.ts';

/** Every emulated table, in `$metadata` order. */
export const ENTITIES: readonly EntityDef[] = [
  ...CORE_ENTITIES,
  ...PRODUCT_ENTITIES,
  ...SALES_ENTITIES,
];

const bySet = new Map(ENTITIES.map((e) => [e.entitySet, e]));
const byName = new Map(ENTITIES.map((e) => [e.logicalName, e]));

export const entityBySet = (set: string): EntityDef | undefined => bySet.get(set);
export const entityByName = (name: string): EntityDef | undefined => byName.get(name);

/** The entity or a bug: used for names that come from the catalogue itself. */
export function mustEntity(name: string): EntityDef {
  const e = byName.get(name);
  if (!e) throw new Error(`Unknown entity ${name}`);
  return e;
}

/** The navigation properties a lookup column offers, one per target (or one shared). */
export function navigationsOf(column: string, def: ColumnDef): NavigationDef[] {
  const targets = def.targets ?? [];
  if (targets.length === 1 || def.sharedNavigation) {
    return targets.map((target) => ({ name: column, column, target }));
  }
  return targets.map((target) => ({ name: `${column}_${target}`, column, target }));
}

const navCache = new Map<string, Map<string, NavigationDef[]>>();

/** Navigation property name → its definitions (several when shared, e.g. ownerid). */
export function navigations(entity: EntityDef): Map<string, NavigationDef[]> {
  let map = navCache.get(entity.logicalName);
  if (!map) {
    map = new Map();
    for (const [column, def] of Object.entries(entity.columns)) {
      if (def.type !== 'lookup') continue;
      for (const nav of navigationsOf(column, def)) {
        map.set(nav.name, [...(map.get(nav.name) ?? []), nav]);
      }
    }
    navCache.set(entity.logicalName, map);
  }
  return map;
}

/** The name a column has on the wire: `_x_value` for lookups, the logical name otherwise. */
export const wireName = (column: string, def: ColumnDef): string =>
  def.type === 'lookup' ? `_${column}_value` : column;

/** Wire name → column, for `$select`, `$filter` and `$orderby`. */
export function columnByWireName(
  entity: EntityDef,
  name: string,
): { column: string; def: ColumnDef } | undefined {
  const m = /^_(.+)_value$/.exec(name);
  if (m) {
    const def = entity.columns[m[1]!];
    return def?.type === 'lookup' ? { column: m[1]!, def } : undefined;
  }
  const def = entity.columns[name];
  return def && def.type !== 'lookup' ? { column: name, def } : undefined;
}

/** A collection-valued navigation property: the rows of `target` whose lookup `column` points here. */
export interface CollectionNavigationDef {
  readonly name: string;
  readonly target: string;
  readonly column: string;
}

/** One-to-many relationships clients expand (Dataverse's relationship names). */
const ONE_TO_MANY: readonly (CollectionNavigationDef & { entity: string })[] = [
  { entity: 'quote', name: 'quote_details', target: 'quotedetail', column: 'quoteid' },
  {
    entity: 'salesorder',
    name: 'order_details',
    target: 'salesorderdetail',
    column: 'salesorderid',
  },
  { entity: 'invoice', name: 'invoice_details', target: 'invoicedetail', column: 'invoiceid' },
  {
    entity: 'account',
    name: 'contact_customer_accounts',
    target: 'contact',
    column: 'parentcustomerid',
  },
  {
    entity: 'pricelevel',
    name: 'price_level_product_price_levels',
    target: 'productpricelevel',
    column: 'pricelevelid',
  },
  {
    entity: 'product',
    name: 'product_price_levels',
    target: 'productpricelevel',
    column: 'productid',
  },
  {
    entity: 'uomschedule',
    name: 'unit_of_measurement_schedule_conversions',
    target: 'uom',
    column: 'uomscheduleid',
  },
];

/** Collection-valued navigation properties of a table, by name. */
export function collectionNavigations(entity: EntityDef): Map<string, CollectionNavigationDef> {
  return new Map(
    ONE_TO_MANY.filter((r) => r.entity === entity.logicalName).map((r) => [r.name, r]),
  );
}
