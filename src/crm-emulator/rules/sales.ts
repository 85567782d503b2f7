import type { WriteContext } from '../api/types.ts';
import type { EntityDef } from '../catalogue/index.ts';
import { CODES, CrmError, notFound } from '../errors.ts';
import { deleteRecord, getColumns, getRecord, type StoredRecord } from '../store/records.ts';
import {
  computeTotals,
  DOCUMENTS,
  type DocumentKind,
  linesOf,
  nextNumber,
  notEditable,
  priceLine,
  refreshTotals,
} from './documents.ts';
import { type EntityRules, registerRules } from './registry.ts';

type Data = Record<string, unknown>;

/**
 * State changes a plain PATCH of statecode/statuscode may make (SetState). Closing documents as
 * won, lost, fulfilled or canceled also goes through the actions (WinQuote, FulfillSalesOrder, …).
 */
const PATCH_TRANSITIONS: Record<string, Record<number, readonly number[]>> = {
  quote: { 0: [1] },
  salesorder: { 0: [1, 2, 3, 4], 1: [0, 2, 3, 4], 3: [4] },
  invoice: { 0: [2, 3], 2: [0], 3: [0] },
};

const STATE_KEYS = new Set(['statecode', 'statuscode', '_modifiedby_value']);

function changedKeys(existing: Data, changes: Data): string[] {
  return Object.keys(changes).filter(
    (k) =>
      !STATE_KEYS.has(k) &&
      JSON.stringify(changes[k] ?? null) !== JSON.stringify(existing[k] ?? null),
  );
}

/** accountid / contactid of orders and invoices follow the customer. */
function deriveCustomer(entity: EntityDef, data: Data): void {
  if (!entity.columns.accountid) return;
  const type = data._customerid_type;
  data._accountid_value = type === 'account' ? (data._customerid_value ?? null) : null;
  data._contactid_value = type === 'contact' ? (data._customerid_value ?? null) : null;
}

function headerRules(kind: DocumentKind): EntityRules {
  return {
    async beforeCreate(w, entity, data) {
      if (!data[kind.numberColumn])
        data[kind.numberColumn] = await nextNumber(w.q, kind.numberPrefix);
      if (kind.header === 'quote') data.revisionnumber ??= 0;
      data.exchangerate ??= 1;
      deriveCustomer(entity, data);
      computeTotals(data, []);
    },
    async beforeUpdate(w, entity, existing, data, changes) {
      const from = existing.data.statecode as number;
      const to = data.statecode as number;
      if (from !== to && !PATCH_TRANSITIONS[kind.header]?.[from]?.includes(to)) {
        throw new CrmError(
          400,
          CODES.invalidStateTransition,
          `A ${kind.header} cannot go from state ${from} to state ${to} this way.`,
        );
      }
      const changed = changedKeys(existing.data, changes);
      if (from !== kind.editableState && changed.some((k) => !kind.alwaysWritable.includes(k))) {
        throw notEditable(kind, existing.id);
      }
      deriveCustomer(entity, data);
      const lines = await linesOf(w.q, kind, existing.id);
      computeTotals(
        data,
        lines.map((l) => l.data),
      );
    },
    async beforeDelete(w, _entity, existing) {
      for (const line of await linesOf(w.q, kind, existing.id)) {
        await deleteRecord(w.q, kind.line, line.id, w.now);
      }
    },
  };
}

async function editableHeader(
  w: WriteContext,
  kind: DocumentKind,
  line: Data,
): Promise<StoredRecord> {
  const id = line[`_${kind.header}id_value`];
  if (typeof id !== 'string') {
    throw new CrmError(400, CODES.validation, `A ${kind.line} needs its ${kind.header}id.`);
  }
  const header = await getRecord(w.q, kind.header, id, true);
  if (!header) throw notFound(kind.header, id);
  if (header.data.statecode !== kind.editableState) throw notEditable(kind, id);
  return header;
}

function lineRules(kind: DocumentKind): EntityRules {
  const parentOf = (r: StoredRecord | undefined) =>
    r?.data[`_${kind.header}id_value`] as string | undefined;
  return {
    async beforeCreate(w, _entity, data) {
      const header = await editableHeader(w, kind, data);
      if (data.sequencenumber === undefined || data.sequencenumber === null) {
        data.sequencenumber = (await linesOf(w.q, kind, header.id)).length + 1;
      }
      data.lineitemnumber ??= data.sequencenumber;
      await priceLine(w, kind, header, data);
    },
    async beforeUpdate(w, _entity, _existing, data) {
      await priceLine(w, kind, await editableHeader(w, kind, data), data);
    },
    async beforeDelete(w, _entity, existing) {
      const id = parentOf(existing);
      const header = id ? await getRecord(w.q, kind.header, id, true) : undefined;
      if (header && header.data.statecode !== kind.editableState)
        throw notEditable(kind, header.id);
    },
    async afterWrite(w, _entity, record, previous) {
      const ids = new Set([parentOf(record), parentOf(previous)].filter((x): x is string => !!x));
      for (const id of ids) await refreshTotals(w, kind, id);
    },
  };
}

// Price list items only take columns of their product and price list: a `$batch` of a thousand is
// one INSERT with one read of each (per record it was three round trips to the database).
const productPriceLevel: EntityRules = {
  async beforeCreateMany(w, _entity, rows) {
    await fillPriceListItems(w, rows);
  },
  async beforeUpdate(w, _entity, _existing, data) {
    await fillPriceListItems(w, [data]);
  },
};

async function fillPriceListItems(w: WriteContext, rows: Data[]): Promise<void> {
  const key = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');
  const byId = (entity: string, column: string, columns: string[]) => {
    const ids = new Set(rows.map((d) => key(d[column])).filter((id) => id !== ''));
    return getColumns(w.q, entity, [...ids], columns);
  };
  const products = await byId('product', '_productid_value', [
    'name',
    '_defaultuomscheduleid_value',
  ]);
  const lists = await byId('pricelevel', '_pricelevelid_value', [
    '_transactioncurrencyid_value',
    'exchangerate',
  ]);
  for (const data of rows) {
    const product = products.get(key(data._productid_value));
    data.productidname = product?.name ?? null;
    data._uomscheduleid_value ??= product?._defaultuomscheduleid_value ?? null;
    const list = lists.get(key(data._pricelevelid_value));
    data._transactioncurrencyid_value = list?._transactioncurrencyid_value ?? null;
    data.exchangerate = list?.exchangerate ?? 1;
  }
}

registerRules({
  ...Object.fromEntries(DOCUMENTS.map((k) => [k.header, headerRules(k)])),
  ...Object.fromEntries(DOCUMENTS.map((k) => [k.line, lineRules(k)])),
  productpricelevel: productPriceLevel,
});
