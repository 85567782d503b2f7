import type { Queryable } from '../../db/db.ts';
import { type EntityDef, entities, type FieldDef } from '../../erp/catalog/catalog.ts';
import type { ApiRecord } from '../../erp/public-api.ts';
import { fieldMap } from '../../erp/query/list-query.ts';
import { createRecords, updateRecords } from '../../erp/records/bulk-records.ts';
import { createRecord, updateRecord } from '../../erp/records/record-store.ts';
import { failure, ok, type Result } from '../../shared/result.ts';

/**
 * How the ERP port writes: through the ERP's own create/update (its validation, number series and
 * checks apply, as BC's "validate field"), plus what Business Central does around an integration
 * write — a customer gets its company contact, a person's contact name follows its name parts, a
 * salesperson from a CRM user gets a generated code. `writeOne` writes one record; `writeGroup`
 * writes many set-based (all or nothing), for the entity sets where that gives the same result.
 * Both answer the written ids; the port reads the rows back.
 */

/** One write: a create (with its chosen id, or none) or an update. */
export interface ErpWriteOf {
  readonly kind: 'create' | 'update';
  readonly id?: string | undefined;
  readonly values: Record<string, unknown>;
}

const erpDefOf = (set: string): EntityDef | undefined => entities.get(set);

/** Writes one record; answers its id. */
export async function writeOne(tx: Queryable, set: string, w: ErpWriteOf): Promise<Result<string>> {
  const erpDef = erpDefOf(set);
  if (!erpDef) return failure('method_not_allowed', `${set} cannot be written`);
  const id = w.kind === 'update' ? w.id : undefined;
  const body = apiBody(erpDef, w);
  if (set === 'contacts') await nameFromParts(tx, id, body);
  if (!id && set === 'salespeople' && !body.code) body.code = await nextSalespersonCode(tx);
  const saved = id
    ? await updateRecord(tx, erpDef, id, body)
    : await createRecord(tx, erpDef, body);
  if (!saved.ok) return saved;
  if (!id && set === 'customers') {
    const contact = await createRecord(tx, entities.get('contacts')!, companyContact(saved.value));
    if (!contact.ok) return contact;
  }
  return ok(saved.value.id);
}

/**
 * Whether `writeGroup` writes the set as `writeOne` would: not for contacts (a name made of parts
 * an update may not carry) nor salespeople (codes generated one after the other).
 */
export const groupWritable = (set: string): boolean =>
  !!erpDefOf(set) && set !== 'contacts' && set !== 'salespeople';

/**
 * Writes many records set-based, all or nothing (the ERP's createRecords/updateRecords): creates
 * first, their company contacts for customers, then updates. Answers the ids in write order.
 */
export async function writeGroup(
  tx: Queryable,
  set: string,
  writes: readonly ErpWriteOf[],
): Promise<Result<string[]>> {
  const erpDef = erpDefOf(set);
  if (!erpDef || !groupWritable(set))
    return failure('method_not_allowed', `${set} cannot be written in bulk`);
  const creates = writes.filter((w) => w.kind === 'create');
  const created = await createRecords(
    tx,
    erpDef,
    creates.map((w) => apiBody(erpDef, w)),
  );
  if (!created.ok) return created;
  if (set === 'customers' && created.value.length > 0) {
    const contacts = await createRecords(
      tx,
      entities.get('contacts')!,
      created.value.map(companyContact),
    );
    if (!contacts.ok) return contacts;
  }
  const updates = writes.filter((w) => w.kind === 'update');
  const updated = await updateRecords(
    tx,
    erpDef,
    updates.map((w) => ({ id: w.id!, body: apiBody(erpDef, w) })),
  );
  if (!updated.ok) return updated;
  const createdIds = created.value.map((r) => r.id);
  const updatedIds = updated.value.map((r) => r.id);
  return ok(writes.map((w) => (w.kind === 'create' ? createdIds.shift()! : updatedIds.shift()!)));
}

/** The API body of a write's engine values (a create's chosen id included). */
function apiBody(erpDef: EntityDef, w: ErpWriteOf): Record<string, unknown> {
  const values = w.kind === 'create' && w.id ? { ...w.values, id: w.id } : w.values;
  const fields = fieldMap(erpDef);
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, forApi(fields.get(k), v)]));
}

/** The CRM's empty text is null; the ERP keeps empty text as ''. */
function forApi(f: FieldDef | undefined, v: unknown): unknown {
  if ((v === null || v === undefined) && f?.type === 'string' && !f.nullable) return '';
  // BC's blank option (a space) reads as '' through the integration (erp-integration-entities.ts).
  if (v === '' && f?.values?.includes(' ')) return ' ';
  return v;
}

/**
 * A customer created by the integration gets its company contact with the business relation to
 * it, as Business Central's marketing setup does: the CRM account's contacts hang under it.
 */
function companyContact(customer: ApiRecord): Record<string, unknown> {
  return {
    type: 'Company',
    displayName: customer['displayName'],
    customerNumber: customer['number'],
    addressLine1: customer['addressLine1'],
    addressLine2: customer['addressLine2'],
    city: customer['city'],
    state: customer['state'],
    country: customer['country'],
    postalCode: customer['postalCode'],
    phoneNumber: customer['phoneNumber'],
    email: customer['email'],
    website: customer['website'],
  };
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
 * Salespeople created from CRM users get a generated code (as Business Central numbers them):
 * SP0001, SP0002, … after the highest generated one.
 */
async function nextSalespersonCode(tx: Queryable): Promise<string> {
  const r = await tx.query<{ n: number | null }>(
    "SELECT max(substring(code FROM 3)::int) AS n FROM erp.salespeople WHERE code ~ '^SP[0-9]{4}$'",
  );
  return `SP${String((r.rows[0]?.n ?? 0) + 1).padStart(4, '0')}`;
}
