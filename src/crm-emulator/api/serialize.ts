import type { Queryable } from '../../db/db.ts';
import {
  type ColumnDef,
  type EntityDef,
  entityByName,
  mustEntity,
  navigations,
  wireName,
} from '../catalogue/index.ts';
import { orderSql } from '../odata/columns-sql.ts';
import { filterToSql, Params } from '../odata/filter-sql.ts';
import { type Preferences, wantsAnnotation } from '../odata/prefer.ts';
import type { ExpandOption } from '../odata/query-options.ts';
import { getRecords, type StoredRecord, selectChildren } from '../store/records.ts';

const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
const LOOKUP_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname';
const NAV_NAME = 'Microsoft.Dynamics.CRM.associatednavigationproperty';

export const etagOf = (version: number) => `W/"${version}"`;
export const instant = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The value of a column of a stored record (system columns come from the row). */
export function columnValue(entity: EntityDef, r: StoredRecord, column: string): unknown {
  if (column === entity.primaryKey) return r.id;
  if (column === 'createdon') return instant(r.createdOn);
  if (column === 'modifiedon') return instant(r.modifiedOn);
  if (column === 'versionnumber') return r.version;
  const def = entity.columns[column];
  return r.data[def ? wireName(column, def) : column] ?? null;
}

/** The columns to write out for a `$select` (all of them without one). */
export function selectedColumns(entity: EntityDef, select: readonly string[] | undefined) {
  const all = Object.entries(entity.columns);
  if (!select) return all;
  const wanted = new Set(select);
  wanted.add(wireName(entity.primaryKey, entity.columns[entity.primaryKey]!));
  // Selecting a money column brings back the currency, as Dataverse does.
  if (all.some(([c, d]) => d.type === 'money' && wanted.has(c)) && entity.columns.exchangerate) {
    wanted.add('_transactioncurrencyid_value');
  }
  return all.filter(([c, d]) => wanted.has(wireName(c, d)));
}

const money = (n: number, symbol: string) =>
  `${n < 0 ? '-' : ''}${symbol}${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const dateText = (iso: string, withTime: boolean) => {
  const d = new Date(withTime ? iso : `${iso}T00:00:00Z`);
  const date = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
  if (!withTime) return date;
  const h = d.getUTCHours();
  const m = String(d.getUTCMinutes()).padStart(2, '0');
  return `${date} ${h % 12 === 0 ? 12 : h % 12}:${m} ${h < 12 ? 'AM' : 'PM'}`;
};

/** Related records by logical name and id: lookup names and currency symbols for annotations. */
type Related = Map<string, StoredRecord>;

/**
 * Labels of option values added by InsertOptionValue (`crm.custom_options`), per table, read once
 * per response: one query per table, however many rows and expands the response holds.
 */
type CustomLabels = Map<string, Promise<Map<string, string>>>;

const optionKey = (attribute: string, value: unknown) => `${attribute}:${String(value)}`;

function customLabelsOf(q: Queryable, labels: CustomLabels, entity: string) {
  let found = labels.get(entity);
  if (!found) {
    found = q
      .query<{ attribute: string; value: number; label: string }>(
        'SELECT attribute, value, label FROM crm.custom_options WHERE entity = $1',
        [entity],
      )
      .then((r) => new Map(r.rows.map((o) => [optionKey(o.attribute, o.value), o.label])));
    labels.set(entity, found);
  }
  return found;
}

function formatted(
  entity: EntityDef,
  r: StoredRecord,
  column: string,
  def: ColumnDef,
  value: unknown,
  related: Related,
  custom: ReadonlyMap<string, string>,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (def.type) {
    case 'picklist':
      return (
        def.options?.find((o) => o.value === value)?.label ?? custom.get(optionKey(column, value))
      );
    case 'state':
      return entity.states?.find((s) => s.value === value)?.label;
    case 'status':
      return entity.states?.flatMap((s) => s.statuses).find((s) => s.value === value)?.label;
    case 'boolean':
      return value ? 'Yes' : 'No';
    case 'money': {
      const currency = related.get(String(r.data._transactioncurrencyid_value));
      return money(value as number, String(currency?.data.currencysymbol ?? '$'));
    }
    case 'integer':
    case 'bigint':
    case 'decimal':
      return (value as number).toLocaleString('en-US', { maximumFractionDigits: 10 });
    case 'datetime':
      return dateText(String(value), true);
    case 'dateonly':
      return dateText(String(value), false);
    case 'lookup': {
      const target = related.get(String(value));
      const targetDef = target && entityByName(target.entity);
      return targetDef ? String(target.data[targetDef.primaryName] ?? '') : undefined;
    }
    default:
      return undefined;
  }
}

/** Loads the records lookups point at (for names, currency symbols and `$expand`). */
async function loadRelated(
  q: Queryable,
  entity: EntityDef,
  records: readonly StoredRecord[],
  columns: readonly string[],
): Promise<Related> {
  const ids = new Map<string, Set<string>>();
  for (const r of records) {
    for (const column of columns) {
      const id = r.data[`_${column}_value`];
      if (typeof id !== 'string') continue;
      const def = entity.columns[column]!;
      const target = (r.data[`_${column}_type`] as string | undefined) ?? def.targets![0]!;
      if (!ids.has(target)) ids.set(target, new Set());
      ids.get(target)!.add(id);
    }
  }
  const related: Related = new Map();
  for (const [target, set] of ids) {
    for (const rec of await getRecords(q, target, [...set])) related.set(rec.id, rec);
  }
  return related;
}

/** Turns stored records into Web API JSON objects (ETag, selected columns, annotations, expands). */
export async function serializeRecords(
  q: Queryable,
  entity: EntityDef,
  records: readonly StoredRecord[],
  prefs: Preferences,
  select?: readonly string[],
  expand: readonly ExpandOption[] = [],
  /** The request's instant, for date functions in the `$filter` of collection expands. */
  now?: Date,
  labels: CustomLabels = new Map(),
): Promise<Record<string, unknown>[]> {
  const columns = selectedColumns(entity, select);
  const wantFormatted = wantsAnnotation(prefs, FORMATTED);
  const wantLookupName = wantsAnnotation(prefs, LOOKUP_NAME);
  const wantNavName = wantsAnnotation(prefs, NAV_NAME);
  const navs = navigations(entity);
  const many = expand.filter((e) => e.collection);
  const single = expand.filter((e) => !e.collection);
  const expandColumns = single.map((e) => navs.get(e.navigation)![0]!.column);
  const relatedColumns = new Set(expandColumns);
  if (wantFormatted) {
    for (const [c, d] of columns) if (d.type === 'lookup') relatedColumns.add(c);
    if (entity.columns.transactioncurrencyid) relatedColumns.add('transactioncurrencyid');
  }
  const related =
    relatedColumns.size > 0
      ? await loadRelated(q, entity, records, [...relatedColumns])
      : new Map();
  const custom =
    wantFormatted && records.length > 0 && columns.some(([, d]) => d.type === 'picklist')
      ? await customLabelsOf(q, labels, entity.logicalName)
      : new Map<string, string>();
  const out: Record<string, unknown>[] = [];
  for (const r of records) {
    const o: Record<string, unknown> = { '@odata.etag': etagOf(r.version) };
    for (const [column, def] of columns) {
      const wire = wireName(column, def);
      const value = columnValue(entity, r, column);
      if (wantFormatted) {
        const f = formatted(entity, r, column, def, value, related, custom);
        if (f !== undefined) o[`${wire}@${FORMATTED}`] = f;
      }
      if (def.type === 'lookup' && value !== null) {
        const target = (r.data[`_${column}_type`] as string | undefined) ?? def.targets![0]!;
        if (wantNavName) {
          const nav = navs.get(column) ?? navs.get(`${column}_${target}`);
          o[`${wire}@${NAV_NAME}`] = nav ? nav[0]!.name : column;
        }
        if (wantLookupName) o[`${wire}@${LOOKUP_NAME}`] = target;
      }
      o[wire] = value;
    }
    for (const [i, e] of single.entries()) {
      const column = expandColumns[i]!;
      const id = r.data[`_${column}_value`];
      const target = typeof id === 'string' ? related.get(id) : undefined;
      const wantedTarget = navs.get(e.navigation)!.map((n) => n.target);
      if (!target || !wantedTarget.includes(target.entity)) {
        o[e.navigation] = null;
        continue;
      }
      const [one] = await serializeRecords(
        q,
        mustEntity(target.entity),
        [target],
        prefs,
        e.select,
        [],
        now,
        labels,
      );
      o[e.navigation] = one;
    }
    out.push(o);
  }
  for (const e of many) await attachCollection(q, records, out, e, prefs, now, labels);
  return out;
}

/** Fills a collection-valued `$expand` for every record with one query. */
async function attachCollection(
  q: Queryable,
  records: readonly StoredRecord[],
  out: Record<string, unknown>[],
  e: ExpandOption,
  prefs: Preferences,
  now: Date | undefined,
  labels: CustomLabels,
): Promise<void> {
  const c = e.collection!;
  const params = new Params(2);
  if (c.filter && !now) throw new Error('A filtered $expand needs the request time');
  const where = c.filter
    ? filterToSql({ entity: c.target, params, userId: '', now: now! }, c.filter)
    : 'true';
  const children = await selectChildren(
    q,
    c.target.logicalName,
    c.column,
    records.map((r) => r.id),
    where,
    orderSql(c.target, c.orderBy),
    params.values,
  );
  const byParent = new Map<string, StoredRecord[]>();
  for (const child of children) {
    const parent = String(child.data[`_${c.column}_value`]);
    const list = byParent.get(parent) ?? [];
    if (c.top === undefined || list.length < c.top) list.push(child);
    byParent.set(parent, list);
  }
  for (const [i, r] of records.entries()) {
    out[i]![e.navigation] = await serializeRecords(
      q,
      c.target,
      byParent.get(r.id) ?? [],
      prefs,
      e.select,
      [],
      now,
      labels,
    );
  }
}
