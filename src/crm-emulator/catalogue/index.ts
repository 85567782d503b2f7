import { CORE_ENTITIES } from './core.ts';
import { PRODUCT_ENTITIES, SALES_ENTITIES } from './sales.ts';
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
