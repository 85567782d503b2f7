import type { Queryable } from '../../db/db.ts';
import { newId } from '../../shared/ids.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import type { EntityDef } from '../catalog/field-types.ts';
import type { ApiRecord } from '../query/list-query.ts';
import { selectList } from '../query/list-query.ts';
import { checkInput } from './input-validation.ts';
import { nextNumbers } from './number-series.ts';
import { columnsOf, present } from './record-store.ts';
import { resolveReferenceIds } from './reference-ids.ts';

/**
 * Set-based creates and updates of many records of one entity set, in the caller's transaction:
 * the same validation, number series, checks and change capture as `createRecord` /
 * `updateRecord`, but a few statements for all of them instead of several per record. All or
 * nothing: the first refused record fails the whole call (run it under `atomic`, or as the `bulk`
 * of `eachAtomic`, which then writes the records one by one so each fails alone).
 */

/** Creates the records (`number` from the series when not given, numbers taken in body order). */
export async function createRecords(
  tx: Queryable,
  def: EntityDef,
  bodies: readonly unknown[],
): Promise<Result<ApiRecord[]>> {
  if (!def.writable || def.singleton)
    return failure('method_not_allowed', `${def.set} cannot be created through this API`);
  if (bodies.length === 0) return ok([]);
  const rows: Record<string, unknown>[] = [];
  for (const body of bodies) {
    const resolved = await resolveReferenceIds(tx, def, body);
    if (!resolved.ok) return resolved;
    const input = checkInput(def, resolved.value, 'create');
    if (!input.ok) return input;
    rows.push({ ...input.value });
  }
  const numbered = rows.filter((v) => def.numberSeries && !v['number']);
  if (numbered.length > 0) {
    // The series moves on by all the numbers at once; they go to the bodies in order.
    const series = await tx.query<{ s: string }>(
      `SELECT ${def.numberSeries} AS s FROM erp.sales_setup`,
    );
    const numbers = await nextNumbers(tx, series.rows[0]!.s, numbered.length, { table: def.table });
    if (!numbers.ok) return numbers;
    numbered.forEach((v, i) => {
      v['number'] = numbers.value[i];
    });
  }
  const ids: string[] = [];
  const byColumns = new Map<string, Record<string, unknown>[]>();
  for (const values of rows) {
    const { cols, params } = columnsOf(def, values);
    const row: Record<string, unknown> = Object.fromEntries(cols.map((c, i) => [c, params[i]]));
    Object.assign(row, def.fixed ?? {});
    row['id'] = typeof values['id'] === 'string' ? values['id'] : newId();
    ids.push(row['id'] as string);
    const key = Object.keys(row).join(',');
    byColumns.set(key, [...(byColumns.get(key) ?? []), row]);
  }
  // Rows with the same columns in one INSERT; the table's own row type gives every value its type.
  for (const [key, group] of byColumns) {
    await tx.query(
      `INSERT INTO ${def.table} (${key})
       SELECT ${key} FROM jsonb_populate_recordset(NULL::${def.table}, $1::jsonb)`,
      [JSON.stringify(group)],
    );
  }
  return checkedAndRead(tx, def, ids);
}

/** Updates the given fields of each record (each id at most once). */
export async function updateRecords(
  tx: Queryable,
  def: EntityDef,
  items: readonly { id: string; body: unknown }[],
): Promise<Result<ApiRecord[]>> {
  if (!def.writable) return failure('method_not_allowed', `${def.set} is read-only in this API`);
  if (items.length === 0) return ok([]);
  const ids = items.map((i) => i.id);
  if (new Set(ids).size !== ids.length)
    return failure('validation_failed', 'A record is named twice in one bulk update');
  const byColumns = new Map<string, Record<string, unknown>[]>();
  for (const item of items) {
    const resolved = await resolveReferenceIds(tx, def, item.body);
    if (!resolved.ok) return resolved;
    const input = checkInput(def, resolved.value, 'update');
    if (!input.ok) return input;
    const { cols, params } = columnsOf(def, input.value);
    if (cols.length === 0) continue;
    const key = cols.join(',');
    const row = Object.fromEntries([['id', item.id], ...cols.map((c, i) => [c, params[i]])]);
    byColumns.set(key, [...(byColumns.get(key) ?? []), row]);
  }
  const locked = await tx.query(
    `SELECT t.id FROM ${def.table} t WHERE t.id = ANY($1::uuid[])${def.where ? ` AND ${def.where}` : ''} FOR UPDATE OF t`,
    [ids],
  );
  if (locked.rows.length !== ids.length)
    return failure('not_found', `Some of the ${def.set} records do not exist`);
  for (const [key, group] of byColumns) {
    const cols = key.split(',');
    await tx.query(
      `UPDATE ${def.table} t SET ${cols.map((c) => `${c} = v.${c}`).join(', ')}
         FROM jsonb_populate_recordset(NULL::${def.table}, $1::jsonb) v WHERE t.id = v.id`,
      [JSON.stringify(group)],
    );
  }
  return checkedAndRead(tx, def, ids);
}

/** Runs the entity's check on each written record, then reads them all back in order. */
async function checkedAndRead(
  tx: Queryable,
  def: EntityDef,
  ids: readonly string[],
): Promise<Result<ApiRecord[]>> {
  await def.afterWrite?.(tx, ids);
  if (def.check) {
    for (const id of ids) {
      const checked = await def.check(tx, id);
      if (!checked.ok) return checked;
    }
  }
  const r = await tx.query(
    `SELECT ${selectList(def)} FROM ${def.table} t WHERE t.id = ANY($1::uuid[])`,
    [ids],
  );
  const byId = new Map(r.rows.map((row) => [String(row['id']), row]));
  return ok(ids.map((id) => present(def, byId.get(id)!)));
}
