import { crmLookupEntity, type TableMapping } from './model.ts';
import type { NameLookup, RecordRef } from './record-names.ts';

/**
 * The records a CRM record's values point to through the mapping's lookup columns, so a surface
 * can name them as it names the records themselves (docs/sync-engine.md, "Records by name"). A
 * value the engine writes is `{lookupEntity, id}`; one read back from the CRM is the bare id,
 * whose entity the mapping's field says. ERP lookup fields hold the related record's code or
 * number (`LookupSpec.erpKey`: `EUR`, `C10000`), which users know already: they need no name.
 */
export function crmLookupRefs(
  m: Pick<TableMapping, 'fields'>,
  mappings: ReadonlyMap<string, TableMapping>,
  values: Readonly<Record<string, unknown>> | null,
): RecordRef[] {
  return Object.entries(values ?? {}).flatMap(([column, v]): RecordRef[] => {
    if (typeof v === 'object' && v !== null && 'lookupEntity' in v && 'id' in v) {
      const { lookupEntity, id } = v;
      return typeof lookupEntity === 'string' && typeof id === 'string' && id !== ''
        ? [{ side: 'crm', table: lookupEntity, id }]
        : [];
    }
    const table = typeof v === 'string' && v !== '' ? crmLookupEntity(m, mappings, column) : '';
    return table ? [{ side: 'crm', table, id: v as string }] : [];
  });
}

/**
 * The names of the referred records by id, for those that have one: a record that is gone, could
 * not be read or has no name column is left out, so it shows by its id.
 */
export function lookupNamesOf(
  refs: readonly RecordRef[],
  names: NameLookup,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of refs) {
    const name = names(r.side, r.table, r.id);
    if (typeof name === 'string' && name !== r.id) out[r.id] = name;
  }
  return out;
}
