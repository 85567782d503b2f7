import {
  collectionNavigations,
  type EntityDef,
  mustEntity,
  navigations,
  navigationsOf,
} from '../catalogue/index.ts';
import { badRequest } from '../errors.ts';
import type { StoredRecord } from '../store/records.ts';
import { readPayload } from '../store/values.ts';
import type { WriteContext } from './types.ts';
import { createRecords } from './writes.ts';

type Body = Record<string, unknown>;

/** Nesting deeper than this is refused (Dataverse limits deep insert depth too). */
const MAX_DEPTH = 10;

/**
 * Creates a record with related records in the same body (Dataverse "deep insert"): a
 * single-valued navigation property holding an object (`primarycontactid: {…}`) creates that
 * record first and binds it; a collection-valued one holding an array
 * (`contact_customer_accounts: [{…}]`) creates the records after the parent, pointing at it. All
 * in the caller's transaction: one failure and nothing is written.
 */
export async function deepCreate(
  w: WriteContext,
  entity: EntityDef,
  body: unknown,
  resolve: (ref: string) => string | undefined,
  depth = 0,
): Promise<StoredRecord> {
  if (depth > MAX_DEPTH) throw badRequest(`Deep insert is limited to ${MAX_DEPTH} levels.`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  const own: Body = {};
  const children: [string, unknown[]][] = [];
  const many = collectionNavigations(entity);
  const single = navigations(entity);
  for (const [key, value] of Object.entries(body as Body)) {
    const manyNav = many.get(key);
    const singleNav = single.get(key);
    if (manyNav) {
      if (!Array.isArray(value)) throw badRequest(`'${key}' must be an array of records.`);
      children.push([key, value]);
    } else if (singleNav && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      if (singleNav.length !== 1) {
        throw badRequest(`'${key}' points at several tables; bind it with ${key}@odata.bind.`);
      }
      const target = mustEntity(singleNav[0]!.target);
      const related = await deepCreate(w, target, value, resolve, depth + 1);
      own[`${key}@odata.bind`] = `/${target.entitySet}(${related.id})`;
    } else own[key] = value;
  }
  const [record] = await createRecords(w, entity, [{ payload: readPayload(entity, own, resolve) }]);
  for (const [key, items] of children) {
    const nav = many.get(key)!;
    const target = mustEntity(nav.target);
    const back = navigationsOf(nav.column, target.columns[nav.column]!).find(
      (n) => n.target === entity.logicalName,
    )!;
    for (const item of items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw badRequest(`Every item of '${key}' must be a record.`);
      }
      const child = {
        ...(item as Body),
        [`${back.name}@odata.bind`]: `/${entity.entitySet}(${record!.id})`,
      };
      await deepCreate(w, target, child, resolve, depth + 1);
    }
  }
  return record!;
}

/** Whether a create body holds related records (else the plain, batched create path is used). */
export function hasRelatedRecords(entity: EntityDef, body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const many = collectionNavigations(entity);
  const single = navigations(entity);
  return Object.entries(body as Body).some(
    ([k, v]) => many.has(k) || (single.has(k) && v !== null && typeof v === 'object'),
  );
}

/**
 * A create body split into its own columns and its related records, when those are only
 * collection-valued and flat (rows that hold no related records themselves); else undefined.
 */
export function flatRelated(
  entity: EntityDef,
  body: unknown,
): { own: Body; children: [string, Body[]][] } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const many = collectionNavigations(entity);
  const own: Body = {};
  const children: [string, Body[]][] = [];
  for (const [key, value] of Object.entries(body as Body)) {
    const nav = many.get(key);
    if (!nav) {
      own[key] = value;
      continue;
    }
    if (!Array.isArray(value)) return undefined;
    const target = mustEntity(nav.target);
    const flat = value.every(
      (v) =>
        typeof v === 'object' && v !== null && !Array.isArray(v) && !hasRelatedRecords(target, v),
    );
    if (!flat) return undefined;
    children.push([key, value as Body[]]);
  }
  return hasRelatedRecords(entity, own) ? undefined : { own, children };
}

/**
 * Deep inserts of many records of one table, written as two multi-row INSERTs (the records, then
 * each navigation's related rows pointing at them) instead of one create per record: the same rows
 * as `deepCreate` one by one, in the caller's transaction. `fail` tells which item a bad body came
 * from (its error is thrown as is).
 */
export async function createManyWithRelated(
  w: WriteContext,
  entity: EntityDef,
  items: readonly { own: Body; children: [string, Body[]][] }[],
  resolve: (ref: string) => string | undefined,
  fail: (index: number, err: unknown) => never,
): Promise<StoredRecord[]> {
  const payloads = items.map((item, i) => {
    try {
      return { payload: readPayload(entity, item.own, resolve) };
    } catch (err) {
      return fail(i, err);
    }
  });
  const records = await createRecords(w, entity, payloads);
  const many = collectionNavigations(entity);
  for (const name of new Set(items.flatMap((item) => item.children.map(([n]) => n)))) {
    const nav = many.get(name)!;
    const target = mustEntity(nav.target);
    const back = navigationsOf(nav.column, target.columns[nav.column]!).find(
      (n) => n.target === entity.logicalName,
    )!;
    const rows = items.flatMap((item, i) =>
      item.children
        .filter(([n]) => n === name)
        .flatMap(([, list]) =>
          list.map((child) => {
            const bound = {
              ...child,
              [`${back.name}@odata.bind`]: `/${entity.entitySet}(${records[i]!.id})`,
            };
            try {
              return { payload: readPayload(target, bound, resolve) };
            } catch (err) {
              return fail(i, err);
            }
          }),
        ),
    );
    if (rows.length > 0) await createRecords(w, target, rows);
  }
  return records;
}
