import type { Db, Queryable } from '../../db/db.ts';
import type { EntityDef, FieldDef } from '../../erp/catalog.ts';
import { nextNumber } from '../../erp/number-series.ts';
import { atomic } from '../../erp/tx.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import type { ErpPort, ErpRecord } from '../../sync/ports.ts';
import { integrationEntities } from './erp-integration-entities.ts';

/** The actor name stamped on rows the integration writes (its echoes are recognised by it). */
export const INTEGRATION_ACTOR = 'integration';

interface Row {
  id: string;
  change_seq: number;
  modified_by: string;
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
      ...readable(e).map((f, i) => `${f.sql} AS "f${i}"`),
    ].join(', ');
  const toRecord = (e: EntityDef, r: Row): ErpRecord => ({
    id: r.id,
    changeSeq: Number(r.change_seq),
    modifiedBy: r.modified_by,
    values: Object.fromEntries(readable(e).map((f, i) => [f.name, fromDb(f, r[`f${i}`])])),
  });
  const where = (e: EntityDef, cond: string) => (e.where ? `(${e.where}) AND ${cond}` : cond);

  return {
    async changedSince(table, afterSeq, limit) {
      const e = def(table);
      const r = await db.query<Row>(
        `SELECT ${selectList(e)} FROM ${e.table} t WHERE ${where(e, 't.change_seq > $1')} ORDER BY t.change_seq LIMIT $2`,
        [afterSeq ?? 0, limit],
      );
      return r.rows.map((row) => toRecord(e, row));
    },
    async currentSeq() {
      // The horizon, not the sequence's last value: below it no change is still uncommitted, so
      // a watermark capped there never steps over a change that commits late.
      const r = await db.query<{ v: number }>('SELECT erp.change_horizon() AS v');
      return Number(r.rows[0]?.v ?? 0);
    },
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
      const e = def(table);
      const f = readable(e).find((x) => x.name === field);
      if (!f) return [];
      const cond =
        caseSensitive || typeof value !== 'string'
          ? `${f.sql}::text = $1`
          : `lower(${f.sql}::text) = lower($1)`;
      const r = await db.query<Row>(
        `SELECT ${selectList(e)} FROM ${e.table} t WHERE ${where(e, cond)} LIMIT 10`,
        [String(value)],
      );
      return r.rows.map((row) => toRecord(e, row));
    },
    insert: (table, values) => write(db, def(table), undefined, values),
    update: (table, id, values) => write(db, def(table), id, values),
    fields: (table) => {
      const e = integrationEntities.get(table);
      return e ? readable(e).map((f) => f.name) : undefined;
    },
  };

  function write(
    db: Db,
    e: EntityDef,
    id: string | undefined,
    values: Record<string, unknown>,
  ): Promise<Result<ErpRecord>> {
    const writable = new Map(
      e.fields.filter((f) => f.column && !f.readOnly && f.name !== 'id').map((f) => [f.name, f]),
    );
    const unknown = Object.keys(values).filter((k) => !writable.has(k));
    if (unknown.length > 0)
      return Promise.resolve(
        failure('unknown_field', `${e.set} cannot take ${unknown.join(', ')}`),
      );
    return atomic(db, async (tx) => {
      await tx.query("SELECT set_config('kobling.actor', $1, true)", [INTEGRATION_ACTOR]);
      const row: Record<string, unknown> = { ...values };
      if (!id && e.numberSeries && writable.has('number') && !row.number) {
        const n = await numberFor(tx, e.numberSeries);
        if (!n.ok) return n;
        row.number = n.value;
      }
      for (const f of e.fields) {
        if (f.required && !id && (row[f.name] === undefined || row[f.name] === null)) {
          return failure('validation_failed', `${f.name} is required for ${e.set}`);
        }
        const v = row[f.name];
        if (f.maxLength && typeof v === 'string' && v.length > f.maxLength) {
          return failure(
            'validation_failed',
            `${f.name} is ${v.length} characters long; ${e.set} allows ${f.maxLength}`,
          );
        }
      }
      const entries = Object.entries(row).map(
        ([k, v]) => [writable.get(k)!, toDb(writable.get(k)!, v)] as const,
      );
      let rowId = id;
      if (rowId) {
        if (entries.length > 0) {
          const sets = entries.map(([f], i) => `${f.column} = $${i + 2}`).join(', ');
          const r = await tx.query(
            `UPDATE ${e.table} t SET ${sets} WHERE ${where(e, 't.id = $1')}`,
            [rowId, ...entries.map(([, v]) => v)],
          );
          if (r.rowCount === 0) return failure('not_found', `No ${e.set} record ${rowId}`);
        }
      } else {
        const fixed = Object.entries(e.fixed ?? {});
        const cols = [...entries.map(([f]) => f.column), ...fixed.map(([c]) => c)];
        const params = [...entries.map(([, v]) => v), ...fixed.map(([, v]) => v)];
        const r = await tx.query<{ id: string }>(
          `INSERT INTO ${e.table} (id, ${cols.join(', ')}) VALUES (gen_random_uuid(), ${params.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
          params,
        );
        rowId = r.rows[0]!.id;
      }
      const back = await tx.query<Row>(
        `SELECT ${selectList(e)} FROM ${e.table} t WHERE t.id = $1`,
        [rowId],
      );
      return ok(toRecord(e, back.rows[0]!));
    });
  }
}

const readable = (e: EntityDef): FieldDef[] =>
  e.fields.filter((f) => f.name !== 'id' && f.name !== 'lastModifiedDateTime');

async function numberFor(tx: Queryable, seriesColumn: string): Promise<Result<string>> {
  const r = await tx.query<Record<string, string | null>>(
    `SELECT ${seriesColumn} AS code FROM erp.sales_setup LIMIT 1`,
  );
  const code = r.rows[0]?.code;
  if (!code) return failure('invalid_reference', `No number series is set up for ${seriesColumn}`);
  return nextNumber(tx, code);
}

/** Numbers travel as JSON numbers (as Dataverse expects them); the database keeps them exact. */
function fromDb(f: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if ((f.type === 'decimal' || f.type === 'integer') && typeof v === 'string') return Number(v);
  return v;
}

function toDb(f: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return f.type === 'string' && !f.nullable ? '' : null;
  if (f.type === 'decimal' || f.type === 'integer') return String(v);
  if (f.type === 'boolean') return v === true || v === 'true';
  return v;
}
