import { isEmpty } from '../engine/values.ts';
import { crmLookupEntity, fieldCovers, type TableMapping } from '../model.ts';
import type { CrmLookupValue } from '../ports.ts';
import type { Side, Values } from './undo-history.ts';

/**
 * The fields a mapping writes on one side: what a deleted record keeps in the history and what
 * re-creating it writes (CRM columns the ERP → CRM pass fills; ERP fields the CRM → ERP pass fills).
 */
export function writtenFields(m: TableMapping, side: Side): string[] {
  const pass = side === 'crm' ? 'ToIntegrationTable' : 'FromIntegrationTable';
  const names = m.fields
    .filter((f) => f.enabled && fieldCovers(f.direction, pass))
    .map((f) => (side === 'crm' ? f.crmField : f.erpField))
    .filter((n): n is string => !!n);
  return [...new Set(names)];
}

/**
 * ERP fields other records refer to a record by (customer and item numbers, salesperson codes): a
 * re-created record gets them back rather than a new number from the series.
 */
const ERP_KEYS = ['number', 'code'];

/** What to keep of a record about to be deleted, to re-create it later. */
export function keptValues(m: TableMapping, side: Side, values: Readonly<Values>): Values {
  const names = [...writtenFields(m, side), ...(side === 'erp' ? ERP_KEYS : [])];
  return Object.fromEntries(names.filter((n) => n in values).map((n) => [n, values[n]]));
}

const isLookupValue = (v: unknown): v is CrmLookupValue =>
  typeof v === 'object' && v !== null && 'lookupEntity' in v;

/**
 * Values as read (a CRM lookup is its target's GUID) in the form the side's port writes them (a
 * CRM lookup names its target table). ERP values are written as read.
 */
export function forWrite(
  m: TableMapping,
  mappings: ReadonlyMap<string, TableMapping>,
  side: Side,
  values: Readonly<Values>,
): Values {
  if (side === 'erp') return { ...values };
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => {
      const target = isLookupValue(v) || isEmpty(v) ? undefined : crmLookupEntity(m, mappings, k);
      return [k, target ? { lookupEntity: target, id: String(v) } : v];
    }),
  );
}
