import type { Db, Queryable } from '../../db/db.ts';
import { duplicateKey } from '../errors.ts';

/** A stored record: the columns in `data` by wire name; system columns kept apart. */
export interface StoredRecord {
  readonly entity: string;
  readonly id: string;
  readonly data: Record<string, unknown>;
  readonly version: number;
  readonly createdOn: Date;
  readonly modifiedOn: Date;
}

interface Row {
  id: string;
  data: Record<string, unknown>;
  version_number: number;
  created_on: Date;
  modified_on: Date;
}

const toRecord = (entity: string, r: Row): StoredRecord => ({
  entity,
  id: r.id,
  data: r.data,
  version: r.version_number,
  createdOn: r.created_on,
  modifiedOn: r.modified_on,
});

// Every write transaction takes this lock exclusively, and readers that hand out a delta token take
// it shared: versions then commit in the order they were drawn, so a delta token (the highest
// version seen) never skips a change that was still in flight.
const WRITE_LOCK = '7741542357924653157';

/** Runs `fn` in a write transaction (or the open one of a change set). */
export async function inWriteTransaction<T>(
  db: Db,
  tx: Queryable | undefined,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  if (tx) return fn(tx);
  return db.transaction(async (t) => {
    await lockForWrite(t);
    return fn(t);
  });
}

export async function lockForWrite(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [WRITE_LOCK]);
}

/** Waits for in-flight writes, then returns the current version (a delta token). */
export async function currentVersion(tx: Queryable): Promise<number> {
  await tx.query('SELECT pg_advisory_xact_lock_shared($1::bigint)', [WRITE_LOCK]);
  const r = await tx.query<{ v: number }>(
    'SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS v FROM crm.version_seq',
  );
  return Number(r.rows[0]?.v ?? 0);
}

const COLUMNS = 'id, data, version_number, created_on, modified_on';

// Reads by id name the table as `(SELECT $1::text)`, which the planner cannot see into. With the
// value in sight, statistics taken before a bulk load (they counted no rows of that table) made
// every index on (entity, …) look as cheap as the primary key: PostgreSQL 15 and 18 walked the
// table's modification index once per id (3.5 s for 1,000 ids of 50,000), or walked it all and
// filtered the ids (1.4 s of the price list items' line at 100,000 customers; docs/sync-engine.md,
// "Measured", seventh round). Unseen, the table is estimated at a share of all rows, and the
// primary key, matched on both columns, wins.
const TABLE_BY_ID = 'entity = (SELECT $1::text)';

export async function getRecord(
  q: Queryable,
  entity: string,
  id: string,
  forUpdate = false,
): Promise<StoredRecord | undefined> {
  const r = await q.query<Row>(
    `SELECT ${COLUMNS} FROM crm.records WHERE ${TABLE_BY_ID} AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [entity, id],
  );
  return r.rows[0] ? toRecord(entity, r.rows[0]) : undefined;
}

/** Records of one table by id (missing ids are left out). */
export async function getRecords(
  q: Queryable,
  entity: string,
  ids: readonly string[],
): Promise<StoredRecord[]> {
  if (ids.length === 0) return [];
  const r = await q.query<Row>(
    `SELECT ${COLUMNS} FROM crm.records WHERE ${TABLE_BY_ID} AND id = ANY($2::uuid[])`,
    [entity, ids],
  );
  return r.rows.map((row) => toRecord(entity, row));
}

/** Some columns (wire names) of records of one table, by id; missing ids are left out. */
export async function getColumns(
  q: Queryable,
  entity: string,
  ids: readonly string[],
  columns: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  if (ids.length === 0) return new Map();
  const r = await q.query<{ id: string; data: Record<string, unknown> }>(
    `SELECT r.id, (SELECT jsonb_object_agg(c, r.data->c) FROM unnest($3::text[]) c) AS data
       FROM unnest($2::uuid[]) AS k(id)
       CROSS JOIN LATERAL (SELECT id, data FROM crm.records
         WHERE ${TABLE_BY_ID} AND id = k.id LIMIT 1) r`,
    [entity, ids, columns],
  );
  return new Map(r.rows.map((row) => [row.id, row.data]));
}

/** Which of the ids exist in the table. */
export async function existingIds(
  q: Queryable,
  entity: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await q.query<{ id: string }>(
    `SELECT r.id FROM unnest($2::uuid[]) AS k(id)
       CROSS JOIN LATERAL (SELECT id FROM crm.records WHERE ${TABLE_BY_ID} AND id = k.id LIMIT 1) r`,
    [entity, ids],
  );
  return new Set(r.rows.map((x) => x.id));
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

/**
 * Inserts records of one table with one statement; a taken id is a duplicate-key failure.
 * `overriddencreatedon` (data migration) becomes the record's createdon, as in Dataverse.
 * The stored data is what was given: only the id, version and creation time come back (sending
 * a thousand rows' JSON back from the database cost as much as storing it).
 */
export async function insertRecords(
  q: Queryable,
  entity: string,
  rows: readonly { id: string; data: Record<string, unknown> }[],
  now: Date,
): Promise<StoredRecord[]> {
  try {
    const r = await q.query<{ id: string; version_number: number; created_on: Date }>(
      `INSERT INTO crm.records (entity, id, data, version_number, created_on, modified_on)
       SELECT $1, x.id, d.data, nextval('crm.version_seq'),
              coalesce((d.data->>'overriddencreatedon')::timestamptz, $4), $4
       FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, n)
       JOIN jsonb_array_elements($3::jsonb) WITH ORDINALITY AS d(data, n) ON d.n = x.n
       ORDER BY x.n
       RETURNING id, version_number, created_on`,
      // The rows' data as one JSON array: as a jsonb[] every quote of every row was escaped.
      [entity, rows.map((x) => x.id), JSON.stringify(rows.map((x) => x.data)), now],
    );
    const given = new Map(rows.map((x) => [x.id.toLowerCase(), x.data]));
    return r.rows.map((row) =>
      toRecord(entity, { ...row, data: given.get(row.id)!, modified_on: now }),
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateKey();
    throw err;
  }
}

/** Replaces the data of a record, drawing a new version. */
export async function updateRecord(
  q: Queryable,
  entity: string,
  id: string,
  data: Record<string, unknown>,
  now: Date,
): Promise<StoredRecord> {
  const r = await q.query<Row>(
    `UPDATE crm.records SET data = $3, version_number = nextval('crm.version_seq'), modified_on = $4
     WHERE ${TABLE_BY_ID} AND id = $2 RETURNING ${COLUMNS}`,
    [entity, id, JSON.stringify(data), now],
  );
  return toRecord(entity, r.rows[0]!);
}

/**
 * Records of one table by id (missing ids are left out), locked for a write in id order, so two
 * writers locking overlapping sets never deadlock.
 *
 * `id = ANY($2) ORDER BY id FOR UPDATE` was planned by PostgreSQL 15, on statistics taken before
 * a bulk load, as a walk over every record of the table in primary key order (which spares the
 * sort) filtering the ids: 0.6 s of the ITEM-PRODUCT line at 100,000. Here each id is looked up
 * through the primary key, as in the reads by id above, and the locks are still taken in id
 * order: the ids are sorted (and made distinct) into an array, whose unnest yields them in that
 * order; the lateral subquery refers to `k.id` and has LIMIT and FOR UPDATE, so it is never
 * flattened into a join the planner could reorder: it can only run as the inner side of a nested
 * loop, once per id in the outer order, and locks its row (LockRows) before the next id is read.
 * ORDER BY the ordinality costs no sort (a function scan is known to be ordered by it).
 */
export async function lockRecords(
  q: Queryable,
  entity: string,
  ids: readonly string[],
): Promise<StoredRecord[]> {
  if (ids.length === 0) return [];
  const r = await q.query<Row>(
    `SELECT r.id, r.data, r.version_number, r.created_on, r.modified_on
       FROM unnest(ARRAY(SELECT DISTINCT unnest($2::uuid[]) ORDER BY 1)) WITH ORDINALITY AS k(id, n)
       CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM crm.records
         WHERE ${TABLE_BY_ID} AND id = k.id LIMIT 1 FOR UPDATE) r
      ORDER BY k.n`,
    [entity, ids],
  );
  return r.rows.map((row) => toRecord(entity, row));
}

/**
 * Replaces the data of records of one table with one statement, each drawing its own new version
 * (the `$batch` fast path for a run of updates). The rows' data go as one JSON array, as in
 * `insertRecords`; only the id and version come back.
 */
export async function updateRecords(
  q: Queryable,
  entity: string,
  rows: readonly { id: string; data: Record<string, unknown>; createdOn: Date }[],
  now: Date,
): Promise<StoredRecord[]> {
  if (rows.length === 0) return [];
  const r = await q.query<{ id: string; version_number: number }>(
    `UPDATE crm.records r SET data = d.data, version_number = nextval('crm.version_seq'),
            modified_on = $4
     FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, n)
     JOIN jsonb_array_elements($3::jsonb) WITH ORDINALITY AS d(data, n) ON d.n = x.n
     WHERE r.entity = $1 AND r.id = x.id
     RETURNING r.id, r.version_number`,
    [entity, rows.map((x) => x.id), JSON.stringify(rows.map((x) => x.data)), now],
  );
  const version = new Map(r.rows.map((row) => [row.id, Number(row.version_number)]));
  return rows.map((x) => ({
    entity,
    id: x.id,
    data: x.data,
    version: version.get(x.id.toLowerCase())!,
    createdOn: x.createdOn,
    modifiedOn: now,
  }));
}

/** Deletes a record and leaves a tombstone for change tracking. */
export async function deleteRecord(
  q: Queryable,
  entity: string,
  id: string,
  now: Date,
): Promise<boolean> {
  const r = await q.query(`DELETE FROM crm.records WHERE ${TABLE_BY_ID} AND id = $2`, [entity, id]);
  if (!r.rowCount) return false;
  await q.query(
    `INSERT INTO crm.deleted_records (entity, id, version_number, deleted_on)
     VALUES ($1, $2, nextval('crm.version_seq'), $3)`,
    [entity, id, now],
  );
  return true;
}

/**
 * The columns of a read, its rows' `data` cut down to `keys` when given (the stored keys a
 * `$select` needs), as parameters numbered from `from`. Writing out and sending whole rows costs
 * PostgreSQL three times as much as the four columns a slim change read asks for (1.7 s against
 * 0.6 s for 110,000 accounts), and the emulator as much again to parse them.
 */
function columnsOf(keys: readonly string[] | undefined, from: number): string {
  if (!keys) return COLUMNS;
  const pairs = keys.map((_, i) => `$${from + i}::text, data -> $${from + i}::text`);
  return `id, jsonb_build_object(${pairs.join(', ')}) AS data, version_number, created_on, modified_on`;
}

/** Runs a SELECT over records built by the query translator (`keys`: see columnsOf). */
export async function selectRecords(
  q: Queryable,
  entity: string,
  where: string,
  orderBy: string,
  params: unknown[],
  limit: number,
  offset: number,
  keys?: readonly string[],
): Promise<StoredRecord[]> {
  const r = await q.query<Row>(
    `SELECT ${columnsOf(keys, params.length + 2)} FROM crm.records r WHERE r.entity = $1 AND (${where})
     ORDER BY ${orderBy} LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`,
    [entity, ...params, ...(keys ?? [])],
  );
  return r.rows.map((row) => toRecord(entity, row));
}

export async function countRecords(
  q: Queryable,
  entity: string,
  where: string,
  params: unknown[],
  cap: number,
): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM crm.records r WHERE r.entity = $1 AND (${where}) LIMIT ${Math.trunc(cap) + 1}) x`,
    [entity, ...params],
  );
  return r.rows[0]?.n ?? 0;
}

/**
 * Rows changed after `since` up to `upTo`, in version order (a page of at most `limit`; `keys`:
 * see columnsOf).
 */
export async function changedSince(
  q: Queryable,
  entity: string,
  since: number,
  upTo: number,
  limit: number,
  keys?: readonly string[],
): Promise<StoredRecord[]> {
  const r = await q.query<Row>(
    `SELECT ${columnsOf(keys, 4)} FROM crm.records WHERE entity = $1 AND version_number > $2 AND version_number <= $3
     ORDER BY version_number LIMIT ${Math.trunc(limit)}`,
    [entity, since, upTo, ...(keys ?? [])],
  );
  return r.rows.map((row) => toRecord(entity, row));
}

/** Ids deleted after `since` up to `upTo` (and not re-created since). */
export async function deletedSince(
  q: Queryable,
  entity: string,
  since: number,
  upTo: number,
): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT DISTINCT d.id FROM crm.deleted_records d WHERE d.entity = $1 AND d.version_number > $2
       AND d.version_number <= $3
       AND NOT EXISTS (SELECT 1 FROM crm.records r WHERE r.entity = d.entity AND r.id = d.id)`,
    [entity, since, upTo],
  );
  return r.rows.map((x) => x.id);
}

/** Rows of a table whose lookup `column` points at one of `parentIds` (collection `$expand`). */
export async function selectChildren(
  q: Queryable,
  entity: string,
  column: string,
  parentIds: readonly string[],
  where: string,
  orderBy: string,
  params: unknown[],
): Promise<StoredRecord[]> {
  if (parentIds.length === 0) return [];
  const r = await q.query<Row>(
    `SELECT ${COLUMNS} FROM crm.records r WHERE r.entity = $1 AND (r.data->>'_${column}_value') = ANY($2::text[])
       AND (${where}) ORDER BY ${orderBy}`,
    [entity, parentIds, ...params],
  );
  return r.rows.map((row) => toRecord(entity, row));
}
