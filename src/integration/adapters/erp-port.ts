import type { Db, Queryable } from '../../db/db.ts';
import { type EntityDef, entities, type FieldDef } from '../../erp/catalog/catalog.ts';
import { changeHorizon, eachAtomic, readChanges } from '../../erp/public-api.ts';
import { deleteRecord } from '../../erp/records/record-store.ts';
import { atomic } from '../../erp/records/transactions.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import {
  ERP_INTEGRATION_ACTOR,
  type ErpPort,
  type ErpRecord,
  type ErpWrite,
} from '../../sync/ports.ts';
import { computedFinders, integrationEntities } from './erp-integration-entities.ts';
import { type ErpWriteOf, groupWritable, writeGroup, writeOne } from './erp-writes.ts';

interface Row {
  id: string;
  change_seq: number;
  modified_by: string;
  last_modified_at: Date | null;
  [field: string]: unknown;
}

/**
 * The sync engine's view of the ERP, over the ERP's entity catalogue: tables are the ERP API's
 * entity sets, fields their API names. Writes run as the integration actor so the ERP stamps them
 * (`modified_by`) and the engine can tell its own changes from users'.
 */
export function erpPort(db: Db): ErpPort {
  const def = (table: string): EntityDef => {
    const e = integrationEntities.get(table);
    if (!e) throw new Error(`The ERP has no entity set '${table}'`);
    return e;
  };
  const selectList = (e: EntityDef) =>
    [
      't.id',
      't.change_seq',
      't.modified_by',
      't.last_modified_at',
      ...readable(e).map((f, i) => `${f.sql} AS "f${i}"`),
    ].join(', ');
  const toRecord = (e: EntityDef, r: Row): ErpRecord => ({
    id: r.id,
    changeSeq: Number(r.change_seq),
    modifiedBy: r.modified_by,
    ...(r.last_modified_at ? { modifiedAt: new Date(r.last_modified_at).toISOString() } : {}),
    values: Object.fromEntries(readable(e).map((f, i) => [f.name, fromDb(f, r[`f${i}`])])),
  });
  const where = (e: EntityDef, cond: string) => (e.where ? `(${e.where}) AND ${cond}` : cond);

  return {
    async changedSince(table, afterSeq, limit) {
      const e = def(table);
      const page = await readChanges(db, table, afterSeq ?? 0, { limit, entity: e });
      if (!page.ok) throw new Error(`Reading changes of ${table} failed: ${page.error.message}`);
      const fields = readable(e);
      return {
        records: page.value.records.map((r) => {
          const values: Record<string, unknown> = {};
          for (const f of fields) values[f.name] = r[f.name] ?? null;
          return {
            id: r.id,
            changeSeq: r.changeSeq,
            modifiedBy: r.modifiedBy,
            ...(typeof r.lastModifiedDateTime === 'string'
              ? { modifiedAt: r.lastModifiedDateTime }
              : {}),
            values,
          };
        }),
        nextSeq: page.value.nextSeq,
        more: page.value.more,
      };
    },
    currentSeq: () => changeHorizon(db),
    async get(table, ids) {
      const e = def(table);
      if (ids.length === 0) return new Map();
      const r = await db.query<Row>(
        `SELECT ${selectList(e)} FROM ${e.table} t WHERE ${where(e, 't.id = ANY($1::uuid[])')}`,
        [ids],
      );
      return new Map(r.rows.map((row) => [row.id, toRecord(e, row)]));
    },
    async findBy(table, field, value, caseSensitive = false) {
      if (caseSensitive || typeof value !== 'string') return findMany(table, field, [value], 10);
      const e = def(table);
      const f = readable(e).find((x) => x.name === field);
      if (!f) return [];
      const r = await db.query<Row>(
        `SELECT ${selectList(e)} FROM ${e.table} t WHERE ${where(e, `lower(${f.sql}::text) = lower($1)`)} LIMIT 10`,
        [String(value)],
      );
      return r.rows.map((row) => toRecord(e, row));
    },
    findMany: (table, field, values) => findMany(table, field, values),
    insert: (table, values, id) =>
      inTransaction((tx) => write(tx, def(table), { kind: 'create', id, values })),
    update: (table, id, values) =>
      inTransaction((tx) => write(tx, def(table), { kind: 'update', id, values })),
    writeMany(table, writes) {
      const e = def(table);
      return eachAtomic(db, writes, (tx, w) => write(tx, e, w), {
        actor: ERP_INTEGRATION_ACTOR,
        // Set-based first (a few statements per 100 writes); one by one when one is refused.
        ...(groupWritable(e.set)
          ? {
              bulk: async (tx: Queryable, group: readonly ErpWrite[]) => {
                const saved = await writeGroup(tx, e.set, group);
                return saved.ok ? ok(await readBack(tx, e, saved.value)) : saved;
              },
            }
          : {}),
      });
    },
    fields: (table) => {
      const e = integrationEntities.get(table);
      return e ? readable(e).map((f) => f.name) : undefined;
    },
    delete(table, id) {
      const erpDef = entities.get(def(table).set);
      if (!erpDef)
        return Promise.resolve(failure('method_not_allowed', `${table} cannot be deleted`));
      return atomic(db, async (tx) => {
        await tx.query("SELECT set_config('kobling.actor', $1, true)", [ERP_INTEGRATION_ACTOR]);
        return deleteRecord(tx, erpDef, id);
      });
    },
    removal(table) {
      const erpDef = entities.get(def(table).set);
      const deletable = !!erpDef?.writable && !erpDef.singleton;
      const deactivate = DEACTIVATE[table];
      return deactivate ? { deletable, deactivate } : { deletable };
    },
  };

  /** Rows whose `field` is one of `values` (compared as text, case-sensitive). */
  async function findMany(
    table: string,
    field: string,
    values: readonly unknown[],
    limit?: number,
  ): Promise<ErpRecord[]> {
    const e = def(table);
    const f = readable(e).find((x) => x.name === field);
    if (!f || values.length === 0) return [];
    const exact = `${f.sql}::text = ANY($1::text[])`;
    const narrow = computedFinders[table]?.[field];
    const r = await db.query<Row>(
      `SELECT ${selectList(e)} FROM ${e.table} t WHERE ${where(e, narrow ? `${narrow} AND ${exact}` : exact)}${limit ? ` LIMIT ${limit}` : ''}`,
      [values.map(String)],
    );
    return r.rows.map((row) => toRecord(e, row));
  }

  /** Reads written rows back (with their new change sequences), in the order of `ids`. */
  async function readBack(
    tx: Queryable,
    e: EntityDef,
    ids: readonly string[],
  ): Promise<ErpRecord[]> {
    const r = await tx.query<Row>(
      `SELECT ${selectList(e)} FROM ${e.table} t WHERE t.id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(r.rows.map((row) => [row.id, toRecord(e, row)]));
    return ids.map((id) => byId.get(id)!);
  }

  /** One write through the ERP's own create/update (erp-writes.ts), read back. */
  async function write(tx: Queryable, e: EntityDef, w: ErpWriteOf): Promise<Result<ErpRecord>> {
    const saved = await writeOne(tx, e.set, w);
    if (!saved.ok) return saved;
    return ok((await readBack(tx, e, [saved.value]))[0]!);
  }

  /** One write in its own transaction as the integration actor. */
  function inTransaction<T>(fn: (tx: Queryable) => Promise<Result<T>>): Promise<Result<T>> {
    return atomic(db, async (tx) => {
      await tx.query("SELECT set_config('kobling.actor', $1, true)", [ERP_INTEGRATION_ACTOR]);
      return fn(tx);
    });
  }
}

/**
 * What blocks a record that cannot be deleted (a customer with entries, an item on documents), as
 * Business Central users block them instead.
 */
const DEACTIVATE: Readonly<Record<string, Record<string, unknown>>> = {
  customers: { blocked: 'All' },
  items: { blocked: true },
  resources: { blocked: true },
};

/** The fields a record's values carry (asked once per row read: kept per entity). */
const readableFields = new WeakMap<EntityDef, FieldDef[]>();
const readable = (e: EntityDef): FieldDef[] => {
  let fields = readableFields.get(e);
  if (!fields) {
    fields = e.fields.filter((f) => f.name !== 'id' && f.name !== 'lastModifiedDateTime');
    readableFields.set(e, fields);
  }
  return fields;
};

/** Numbers travel as JSON numbers (as Dataverse expects them); the database keeps them exact. */
function fromDb(f: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if ((f.type === 'decimal' || f.type === 'integer') && typeof v === 'string') return Number(v);
  return v;
}
