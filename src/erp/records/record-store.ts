import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import type { EntityDef } from '../catalog/field-types.ts';
import {
  type ApiRecord,
  buildListSql,
  fieldMap,
  type ListQuery,
  selectList,
} from '../query/list-query.ts';
import { etagOf, toApi } from './api-shape.ts';
import { checkInput } from './input-validation.ts';
import { nextNumber } from './number-series.ts';
import { resolveReferenceIds } from './reference-ids.ts';
import { atomic, type DbOrTx } from './transactions.ts';

/**
 * Generic master-data services over the catalogue: every entity set gets list/get/create/update/
 * delete with the same validation, ETags and change capture. Documents use their own services.
 */

/** A raw row in the API shape with its ETag. */
export function present(def: EntityDef, row: Record<string, unknown>): ApiRecord {
  return {
    '@odata.etag': etagOf(row['@changeSeq']),
    ...toApi(row, fieldMap(def)),
  } as unknown as ApiRecord;
}

/** Lists records with OData options; `extra` adds a fixed SQL condition (e.g. a parent id). */
export async function listRecords(
  db: DbOrTx,
  def: EntityDef,
  q: ListQuery = {},
  extra?: { sql: string; params: unknown[] },
): Promise<Result<ApiRecord[]>> {
  const sql = buildListSql(def, q, extra);
  if (!sql.ok) return sql;
  const r = await db.query(sql.value.text, sql.value.params);
  return ok(r.rows.map((row) => present(def, row)));
}

/** How many records match the OData `$filter` (for `$count=true`). */
export async function countRecords(
  db: DbOrTx,
  def: EntityDef,
  q: ListQuery = {},
  extra?: { sql: string; params: unknown[] },
): Promise<Result<number>> {
  const sql = buildListSql(def, { filter: q.filter }, extra);
  if (!sql.ok) return sql;
  const r = await db.query<{ n: number }>(sql.value.countText, sql.value.countParams);
  return ok(r.rows[0]!.n);
}

/** One record by id (`not_found` when missing or outside the entity's slice). */
export async function getRecord(
  db: DbOrTx,
  def: EntityDef,
  id: string,
  options: { lock?: boolean } = {},
): Promise<Result<ApiRecord>> {
  const r = await db.query(
    `SELECT ${selectList(def)} FROM ${def.table} t WHERE t.id = $1${def.where ? ` AND ${def.where}` : ''}${options.lock ? ' FOR UPDATE OF t' : ''}`,
    [id],
  );
  const row = r.rows[0];
  if (!row) return failure('not_found', `No ${def.set} record with id ${id}`);
  return ok(present(def, row));
}

/** Finds a record by a unique field (e.g. `number` or `code`). */
export async function findRecord(
  db: DbOrTx,
  def: EntityDef,
  field: string,
  value: string,
): Promise<ApiRecord | undefined> {
  const fd = fieldMap(def).get(field);
  if (!fd) throw new Error(`${def.set} has no field ${field}`);
  const r = await db.query(
    `SELECT ${selectList(def)} FROM ${def.table} t WHERE ${fd.sql} = $1${def.where ? ` AND ${def.where}` : ''} LIMIT 1`,
    [value],
  );
  return r.rows[0] ? present(def, r.rows[0]) : undefined;
}

/** The table columns and values of checked API values (the id left out). */
export function columnsOf(def: EntityDef, values: Record<string, unknown>) {
  const byName = fieldMap(def);
  const cols: string[] = [];
  const params: unknown[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (name === 'id') continue;
    const fd = byName.get(name)!;
    cols.push(fd.column!);
    // An empty code means "none" (BC's blank code), stored as NULL so references stay valid.
    params.push(fd.nullable && value === '' ? null : value);
  }
  return { cols, params };
}

/** Creates a record; `number` comes from the entity's number series when not given. */
export async function createRecord(
  db: DbOrTx,
  def: EntityDef,
  body: unknown,
): Promise<Result<ApiRecord>> {
  if (!def.writable || def.singleton)
    return failure('method_not_allowed', `${def.set} cannot be created through this API`);
  const resolved = await resolveReferenceIds(db, def, body);
  if (!resolved.ok) return resolved;
  const input = checkInput(def, resolved.value, 'create');
  if (!input.ok) return input;
  return atomic(db, async (tx) => {
    const values = { ...input.value };
    if (def.numberSeries && !values['number']) {
      const series = await tx.query<{ s: string }>(
        `SELECT ${def.numberSeries} AS s FROM erp.sales_setup`,
      );
      const n = await nextNumber(tx, series.rows[0]!.s, { table: def.table });
      if (!n.ok) return n;
      values['number'] = n.value;
    }
    const { cols, params } = columnsOf(def, values);
    for (const [col, v] of Object.entries(def.fixed ?? {})) {
      cols.push(col);
      params.push(v);
    }
    if (typeof values['id'] === 'string') {
      cols.push('id');
      params.push(values['id']);
    }
    const r = await tx.query<{ id: string }>(
      `INSERT INTO ${def.table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      params,
    );
    await def.afterWrite?.(tx, [r.rows[0]!.id]);
    if (def.check) {
      const checked = await def.check(tx, r.rows[0]!.id);
      if (!checked.ok) return checked;
    }
    return getRecord(tx, def, r.rows[0]!.id);
  });
}

/** Parses an If-Match value: undefined = no check ('*'), a number = the expected change_seq. */
export function expectedSeq(ifMatch: string | undefined): Result<number | undefined> {
  if (ifMatch === undefined || ifMatch.trim() === '*') return ok(undefined);
  const m = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!m) return failure('precondition_failed', `Invalid ETag ${ifMatch}`);
  return ok(Number(m[1]));
}

/** Locks a row, checks it exists in the entity and matches the ETag. */
export async function lockForWrite(
  tx: Queryable,
  def: EntityDef,
  id: string,
  ifMatch?: string,
): Promise<Result<{ changeSeq: number }>> {
  const expected = expectedSeq(ifMatch);
  if (!expected.ok) return expected;
  const r = await tx.query<{ change_seq: number }>(
    `SELECT t.change_seq FROM ${def.table} t WHERE t.id = $1${def.where ? ` AND ${def.where}` : ''} FOR UPDATE OF t`,
    [id],
  );
  const row = r.rows[0];
  if (!row) return failure('not_found', `No ${def.set} record with id ${id}`);
  if (expected.value !== undefined && row.change_seq !== expected.value)
    return failure(
      'precondition_failed',
      `The record was changed by someone else (ETag ${etagOf(row.change_seq)}, you sent ${ifMatch}); read it again`,
    );
  return ok({ changeSeq: row.change_seq });
}

/** Updates the given fields; `ifMatch` (an ETag or '*') guards against lost updates. */
export async function updateRecord(
  db: DbOrTx,
  def: EntityDef,
  id: string,
  body: unknown,
  options: { ifMatch?: string } = {},
): Promise<Result<ApiRecord>> {
  if (!def.writable) return failure('method_not_allowed', `${def.set} is read-only in this API`);
  const resolved = await resolveReferenceIds(db, def, body);
  if (!resolved.ok) return resolved;
  const input = checkInput(def, resolved.value, 'update');
  if (!input.ok) return input;
  return atomic(db, async (tx) => {
    const locked = await lockForWrite(tx, def, id, options.ifMatch);
    if (!locked.ok) return locked;
    const { cols, params } = columnsOf(def, input.value);
    if (cols.length > 0) {
      await tx.query(
        `UPDATE ${def.table} SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`,
        [id, ...params],
      );
    }
    await def.afterWrite?.(tx, [id]);
    if (def.check) {
      const checked = await def.check(tx, id);
      if (!checked.ok) return checked;
    }
    return getRecord(tx, def, id);
  });
}

/** Deletes a record (`in_use` when other records still reference it). */
export async function deleteRecord(
  db: DbOrTx,
  def: EntityDef,
  id: string,
  options: { ifMatch?: string } = {},
): Promise<Result<void>> {
  if (!def.writable || def.singleton)
    return failure('method_not_allowed', `${def.set} cannot be deleted through this API`);
  return atomic(db, async (tx) => {
    const locked = await lockForWrite(tx, def, id, options.ifMatch);
    if (!locked.ok) return locked;
    await tx.query(`DELETE FROM ${def.table} WHERE id = $1`, [id]);
    return ok(undefined);
  });
}

/**
 * Bulk insert for seeding and imports, in the caller's transaction: every body is validated like a
 * create, then one multi-row INSERT is run (missing fields take their defaults). Numbers must be
 * given (no number series); change capture applies as for any insert. No `afterWrite`: a seed
 * names every record it wants (an item's base unit among its units).
 */
export async function insertMany(
  tx: Queryable,
  def: EntityDef,
  bodies: readonly Record<string, unknown>[],
): Promise<Result<number>> {
  if (bodies.length === 0) return ok(0);
  const rows: Record<string, unknown>[] = [];
  for (const body of bodies) {
    const checked = checkInput(def, body, 'create');
    if (!checked.ok) return checked;
    const { cols, params } = columnsOf(def, checked.value);
    rows.push(Object.fromEntries(cols.map((c, i) => [c, params[i]])));
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const params: unknown[] = [];
  const values = rows.map(
    (r) =>
      `(${columns
        .map((c) => {
          if (!(c in r)) return 'DEFAULT';
          params.push(r[c]);
          return `$${params.length}`;
        })
        .join(', ')})`,
  );
  await tx.query(
    `INSERT INTO ${def.table} (${columns.join(', ')}) VALUES ${values.join(', ')}`,
    params,
  );
  return ok(rows.length);
}
