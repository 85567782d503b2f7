import type { Db, Queryable } from '../../db/db.ts';
import { type EntityDef, entities, type FieldDef } from '../../erp/catalog/catalog.ts';
import { changeHorizon, eachAtomic, readChanges } from '../../erp/public-api.ts';
import { createRecord, deleteRecord, updateRecord } from '../../erp/records/record-store.ts';
import { atomic } from '../../erp/records/transactions.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { ERP_INTEGRATION_ACTOR, type ErpPort, type ErpRecord } from '../../sync/ports.ts';
import { computedFinders, integrationEntities } from './erp-integration-entities.ts';

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
      return {
        records: page.value.records.map((r) => ({
          id: r.id,
          changeSeq: r.changeSeq,
          modifiedBy: r.modifiedBy,
          ...(typeof r.lastModifiedDateTime === 'string'
            ? { modifiedAt: r.lastModifiedDateTime }
            : {}),
          values: Object.fromEntries(readable(e).map((f) => [f.name, r[f.name] ?? null])),
        })),
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
      inTransaction((tx) => write(tx, def(table), undefined, id ? { ...values, id } : values)),
    update: (table, id, values) => inTransaction((tx) => write(tx, def(table), id, values)),
    writeMany(table, writes) {
      const e = def(table);
      return eachAtomic(
        db,
        writes,
        (tx, w) =>
          w.kind === 'create'
            ? write(tx, e, undefined, { ...w.values, id: w.id })
            : write(tx, e, w.id, w.values),
        { actor: ERP_INTEGRATION_ACTOR },
      );
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

  /**
   * Writes through the ERP's own create/update (its validation, number series and checks apply,
   * as BC's "validate field"), as the integration actor, then reads the row back with its new
   * change sequence.
   */
  async function write(
    tx: Queryable,
    e: EntityDef,
    id: string | undefined,
    values: Record<string, unknown>,
  ): Promise<Result<ErpRecord>> {
    const erpDef = entities.get(e.set);
    if (!erpDef) return failure('method_not_allowed', `${e.set} cannot be written`);
    const body = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [
        k,
        forApi(
          erpDef.fields.find((f) => f.name === k),
          v,
        ),
      ]),
    );
    if (e.set === 'contacts') await nameFromParts(tx, id, body);
    if (!id && e.set === 'salespeople' && !body.code) body.code = await nextSalespersonCode(tx);
    const saved = id
      ? await updateRecord(tx, erpDef, id, body)
      : await createRecord(tx, erpDef, body);
    if (!saved.ok) return saved;
    if (!id && e.set === 'customers') {
      const relation = await companyContactFor(tx, saved.value.id);
      if (!relation.ok) return relation;
    }
    const back = await tx.query<Row>(`SELECT ${selectList(e)} FROM ${e.table} t WHERE t.id = $1`, [
      saved.value.id,
    ]);
    return ok(toRecord(e, back.rows[0]!));
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

const readable = (e: EntityDef): FieldDef[] =>
  e.fields.filter((f) => f.name !== 'id' && f.name !== 'lastModifiedDateTime');

/** Numbers travel as JSON numbers (as Dataverse expects them); the database keeps them exact. */
function fromDb(f: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if ((f.type === 'decimal' || f.type === 'integer') && typeof v === 'string') return Number(v);
  return v;
}

/** The CRM's empty text is null; the ERP keeps empty text as ''. */
function forApi(f: FieldDef | undefined, v: unknown): unknown {
  if ((v === null || v === undefined) && f?.type === 'string' && !f.nullable) return '';
  // BC's blank option (a space) reads as '' through the integration (erp-integration-entities.ts).
  if (v === '' && f?.values?.includes(' ')) return ' ';
  return v;
}

/**
 * A person's contact name is made of its name parts (as Business Central's Contact does): a
 * contact coming from the CRM has first and last name, and the name follows them.
 */
async function nameFromParts(
  tx: Queryable,
  id: string | undefined,
  body: Record<string, unknown>,
): Promise<void> {
  const parts = ['firstName', 'middleName', 'surname'] as const;
  if (!parts.some((p) => p in body) || (typeof body.displayName === 'string' && body.displayName))
    return;
  const current = id
    ? (
        await tx.query<{ firstName: string; middleName: string; surname: string; type: string }>(
          `SELECT first_name AS "firstName", middle_name AS "middleName", surname, type
             FROM erp.contacts WHERE id = $1`,
          [id],
        )
      ).rows[0]
    : undefined;
  if (current && current.type !== 'Person') return;
  const name = parts
    .map((p) => (p in body ? body[p] : current?.[p]))
    .filter((x): x is string => typeof x === 'string' && x.trim() !== '')
    .join(' ');
  if (name) body.displayName = name;
}

/**
 * A customer created by the integration gets its company contact with the business relation to
 * it, as Business Central's marketing setup does: the CRM account's contacts hang under it.
 */
async function companyContactFor(tx: Queryable, customerId: string): Promise<Result<void>> {
  const c = await tx.query<Record<string, string>>(
    `SELECT number, display_name, address_line1, address_line2, city, state, country, postal_code,
            phone_number, email, website
       FROM erp.customers WHERE id = $1`,
    [customerId],
  );
  const customer = c.rows[0];
  if (!customer) return ok(undefined);
  const contacts = entities.get('contacts')!;
  const made = await createRecord(tx, contacts, {
    type: 'Company',
    displayName: customer.display_name,
    customerNumber: customer.number,
    addressLine1: customer.address_line1,
    addressLine2: customer.address_line2,
    city: customer.city,
    state: customer.state,
    country: customer.country,
    postalCode: customer.postal_code,
    phoneNumber: customer.phone_number,
    email: customer.email,
    website: customer.website,
  });
  return made.ok ? ok(undefined) : made;
}

/**
 * Salespeople created from CRM users get a generated code (as Business Central numbers them):
 * SP0001, SP0002, … after the highest generated one.
 */
async function nextSalespersonCode(tx: Queryable): Promise<string> {
  const r = await tx.query<{ n: number | null }>(
    "SELECT max(substring(code FROM 3)::int) AS n FROM erp.salespeople WHERE code ~ '^SP[0-9]{4}$'",
  );
  return `SP${String((r.rows[0]?.n ?? 0) + 1).padStart(4, '0')}`;
}
