import type { FieldMapping, TableMapping } from '../model.ts';
import { type DefaultsOptions, defaultMappings } from './default-mappings.ts';

export interface Reshape {
  /**
   * Mappings to write (new ones, or existing ones with owner fields or dependencies changed);
   * a new one goes where the defaults have it, an existing one keeps its place (no position).
   */
  readonly save: readonly { mapping: TableMapping; position?: number }[];
  /** Mappings to delete. */
  readonly remove: readonly string[];
}

const isOwnerField = (f: FieldMapping) => f.crmField === 'ownerid' || f.crmField === 'owneridtype';
const withoutSalespeople = (deps: string) =>
  deps
    .split('|')
    .filter((d) => d.trim() && d.trim() !== 'SALESPEOPLE')
    .join('|');

/**
 * What changing the ownership model or the sales-order integration switch does to the mappings
 * (as Business Central re-applies its setup): the Team model has no SALESPEOPLE mapping, no owner
 * field pairs and no SALESPEOPLE in dependency filters, the Person model has them; the sales-order
 * switch adds or removes SALESORDER-ORDER; item availability adds or removes Inventory →
 * quantityonhand on ITEM-PRODUCT. Everything else a user changed in a mapping is kept.
 */
export function reshapeMappings(
  current: readonly TableMapping[],
  from: DefaultsOptions,
  to: DefaultsOptions,
): Reshape {
  const defaults = defaultMappings(to);
  const position = (name: string) => defaults.findIndex((d) => d.name === name) + 1;
  const byName = new Map(current.map((m) => [m.name, m]));
  const save: { mapping: TableMapping; position?: number }[] = [];
  const remove: string[] = [];
  const add = (name: string) => {
    const d = defaults.find((x) => x.name === name);
    if (d && !byName.has(name)) save.push({ mapping: d, position: position(name) });
  };

  if (from.ownershipModel !== to.ownershipModel) {
    const person = to.ownershipModel === 'Person';
    if (person) add('SALESPEOPLE');
    else if (byName.has('SALESPEOPLE')) remove.push('SALESPEOPLE');
    for (const m of current) {
      if (m.name === 'SALESPEOPLE') continue;
      const d = defaults.find((x) => x.name === m.name);
      const kept = m.fields.filter((f) => !isOwnerField(f));
      const owner = person ? (d?.fields.filter(isOwnerField) ?? []) : [];
      const fields = [...owner, ...kept].map((f, i) => ({ ...f, position: i + 1 }));
      const deps = person
        ? d?.dependencyFilter.split('|').includes('SALESPEOPLE')
          ? ['SALESPEOPLE', ...m.dependencyFilter.split('|').filter(Boolean)]
              .filter((x, i, all) => all.indexOf(x) === i)
              .join('|')
          : m.dependencyFilter
        : withoutSalespeople(m.dependencyFilter);
      if (fields.length !== m.fields.length || owner.length > 0 || deps !== m.dependencyFilter)
        save.push({ mapping: { ...m, fields, dependencyFilter: deps } });
    }
  }
  if ((from.itemAvailability ?? true) !== (to.itemAvailability ?? true)) {
    const m =
      save.find((x) => x.mapping.name === 'ITEM-PRODUCT')?.mapping ?? byName.get('ITEM-PRODUCT');
    const pair = defaults
      .find((d) => d.name === 'ITEM-PRODUCT')
      ?.fields.find((f) => f.crmField === 'quantityonhand');
    if (m) {
      const kept = m.fields.filter((f) => f.crmField !== 'quantityonhand');
      const fields = [...kept, ...(to.itemAvailability !== false && pair ? [pair] : [])].map(
        (f, i) => ({ ...f, position: i + 1 }),
      );
      const others = save.filter((x) => x.mapping.name !== 'ITEM-PRODUCT');
      save.length = 0;
      save.push(...others, { mapping: { ...m, fields } });
    }
  }
  if (from.salesOrderIntegration !== to.salesOrderIntegration) {
    if (to.salesOrderIntegration) add('SALESORDER-ORDER');
    else if (byName.has('SALESORDER-ORDER')) remove.push('SALESORDER-ORDER');
  }
  return { save: save.filter((s) => !remove.includes(s.mapping.name)), remove };
}
