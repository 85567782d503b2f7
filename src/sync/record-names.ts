import { isEmpty } from './engine/values.ts';
import type { CrmPort, ErpPort } from './ports.ts';

/**
 * How users know a record: by its number or code and its name, not by its id. One place for the
 * preview, the undo and the conflict inbox (docs/sync-engine.md, "Records by name").
 */

export type Side = 'erp' | 'crm';

/** The CRM primary-name column used by "Set up coupling" per entity. */
export const NAME_COLUMN: Record<string, string> = {
  account: 'name',
  contact: 'fullname',
  product: 'productnumber',
  transactioncurrency: 'isocurrencycode',
  systemuser: 'fullname',
  uomschedule: 'name',
  uom: 'name',
  pricelevel: 'name',
  opportunity: 'name',
  salesorder: 'name',
  invoice: 'invoicenumber',
};

/** ERP fields that name a record, most telling first: its number or code, then its name. */
const ERP_NAME_FIELDS = ['number', 'code', 'displayName', 'name', 'description'];

/** What users call an ERP table's record (the table's API name when it has none here). */
const ERP_RECORD_KIND: Record<string, string> = {
  customers: 'Customer',
  contacts: 'Contact',
  items: 'Item',
  resources: 'Resource',
  salespeople: 'Salesperson',
  currencies: 'Currency',
  unitsOfMeasure: 'Unit of Measure',
  unitGroups: 'Unit Group',
  itemUnitsOfMeasure: 'Item Unit of Measure',
  resourceUnitsOfMeasure: 'Resource Unit of Measure',
  customerPriceGroups: 'Customer Price Group',
  salesPrices: 'Sales Price',
  salesInvoices: 'Sales Invoice',
  salesOrders: 'Sales Order',
  salesQuotes: 'Sales Quote',
  paymentTerms: 'Payment Terms',
  shipmentMethods: 'Shipment Method',
  shippingAgents: 'Shipping Agent',
};

/**
 * What users call a record with these values: the ERP's number or code and name (at most two
 * parts), the CRM's primary name column; null when it has none of them.
 */
export function nameOf(
  side: Side,
  table: string,
  values: Readonly<Record<string, unknown>>,
): string | null {
  const keys = side === 'erp' ? ERP_NAME_FIELDS : [NAME_COLUMN[table] ?? 'name'];
  const parts = [
    ...new Set(
      keys
        .map((k) => values[k])
        .filter((v) => !isEmpty(v))
        .map(String),
    ),
  ];
  return parts.length > 0 ? parts.slice(0, 2).join(' ') : null;
}

/**
 * A record's name on a surface: its name (its id when it has no name fields); null when it no
 * longer exists; undefined when its side could not be read.
 */
export type RecordName = string | null | undefined;

/** Names of records read in bulk, by side, table and id. */
export type NameLookup = (side: Side, table: string, id: string) => RecordName;

export interface RecordRef {
  readonly side: Side;
  readonly table: string;
  readonly id: string;
}

const key = (side: Side, table: string, id: string) => `${side}|${table}|${id}`;

/**
 * Reads the names of many records: one read per table and side (the ports chunk long id lists),
 * never one per record. A CRM that cannot be read leaves its records unnamed, not failed.
 */
export async function readNames(
  ports: { readonly erp: ErpPort; readonly crm?: CrmPort | undefined },
  refs: readonly RecordRef[],
): Promise<NameLookup> {
  const wanted = new Map<string, { side: Side; table: string; ids: Set<string> }>();
  for (const r of refs) {
    const group = wanted.get(`${r.side}|${r.table}`) ?? {
      side: r.side,
      table: r.table,
      ids: new Set<string>(),
    };
    group.ids.add(r.id);
    wanted.set(`${r.side}|${r.table}`, group);
  }
  const names = new Map<string, string | null>();
  for (const { side, table, ids } of wanted.values()) {
    const found = await readSide(ports, side, table, [...ids]);
    if (!found) continue;
    for (const id of ids) {
      const values = found.get(id);
      names.set(key(side, table, id), values ? (nameOf(side, table, values) ?? id) : null);
    }
  }
  return (side, table, id) => names.get(key(side, table, id));
}

async function readSide(
  ports: { readonly erp: ErpPort; readonly crm?: CrmPort | undefined },
  side: Side,
  table: string,
  ids: readonly string[],
): Promise<Map<string, Readonly<Record<string, unknown>>> | undefined> {
  const out = new Map<string, Readonly<Record<string, unknown>>>();
  if (side === 'erp') {
    for (const [id, r] of await ports.erp.get(table, ids)) out.set(id, r.values);
    return out;
  }
  if (!ports.crm) return undefined;
  const r = await ports.crm.get(table, ids);
  if (!r.ok) return undefined;
  for (const [id, row] of r.value) out.set(id, row.values);
  return out;
}

/** What users call a record of a table: `Customer`, `account`. */
export const recordKind = (side: Side, table: string): string =>
  side === 'erp' ? (ERP_RECORD_KIND[table] ?? table) : table;

/**
 * A record as a surface shows it: `Customer C10000 Adatum Corporation`, `account Adatum
 * Corporation`; by id with "(deleted)" when it no longer exists, by id alone when unread.
 */
export function recordLabel(side: Side, table: string, id: string, name: RecordName): string {
  const kind = recordKind(side, table);
  if (name === null) return `${kind} ${id} (deleted)`;
  return `${kind} ${name ?? id}`;
}
