import type { Queryable } from '../db/db.ts';
import { crmLookupEntity, crmOptionMapping, type TableMapping } from './model.ts';
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

/** An option value a CRM record holds in a choice column that an option mapping couples. */
export interface OptionRef {
  readonly column: string;
  readonly mapping: string;
  readonly value: number;
}

/**
 * The option values among a CRM record's values (`paymenttermscode: 2`): columns whose lookup goes
 * to an option mapping hold a number, not an id, so they are labelled per column — the same
 * number is another label in another option set (`2`: *2% 10, Net 30* or *DHL*).
 */
export function crmOptionRefs(
  m: Pick<TableMapping, 'fields'>,
  mappings: ReadonlyMap<string, TableMapping>,
  values: Readonly<Record<string, unknown>> | null,
): OptionRef[] {
  return Object.entries(values ?? {}).flatMap(([column, value]): OptionRef[] => {
    const mapping = Number.isInteger(value) ? crmOptionMapping(m, mappings, column) : undefined;
    return mapping ? [{ column, mapping, value: value as number }] : [];
  });
}

/** An option's label by its mapping and value; undefined when no coupling has the value. */
export type OptionLabelLookup = (mapping: string, value: number) => string | undefined;

/**
 * Reads the labels of option values from their couplings (`option_label`, the CRM's label the
 * option pass coupled or added): one read per option mapping, no CRM request, so they show
 * without a connection too. A value no code is coupled to has no label here.
 */
export async function readOptionLabels(
  db: Queryable,
  refs: readonly OptionRef[],
): Promise<OptionLabelLookup> {
  const wanted = new Map<string, Set<number>>();
  for (const r of refs) wanted.set(r.mapping, (wanted.get(r.mapping) ?? new Set()).add(r.value));
  const labels = new Map<string, string>();
  for (const [mapping, values] of wanted) {
    const r = await db.query<{ option_value: number; option_label: string }>(
      `SELECT option_value, option_label FROM integration.option_couplings
        WHERE mapping_name = $1 AND option_value = ANY($2::int[])`,
      [mapping, [...values]],
    );
    for (const row of r.rows) labels.set(`${mapping}|${row.option_value}`, row.option_label);
  }
  return (mapping, value) => labels.get(`${mapping}|${value}`);
}

/** The labels of the option values by column, then value (as shown: `"2"`), for those known. */
export function optionLabelsOf(
  refs: readonly OptionRef[],
  labels: OptionLabelLookup,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const r of refs) {
    const label = labels(r.mapping, r.value);
    if (label !== undefined) out[r.column] = { ...out[r.column], [String(r.value)]: label };
  }
  return out;
}
