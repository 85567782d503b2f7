import { newId } from '../../shared/ids.ts';
import type { EntityDef } from '../catalogue/index.ts';
import { badRequest, CODES, CrmError, notFound } from '../errors.ts';
import { createsInBulk, rulesFor } from '../rules/registry.ts';
import {
  deleteRecord,
  existingIds,
  getRecord,
  insertRecords,
  type StoredRecord,
  updateRecord,
} from '../store/records.ts';
import { type Binding, createPayload, type Payload } from '../store/values.ts';
import { checkAlternateKeys } from './alternate-keys.ts';
import type { WriteContext } from './types.ts';

type Data = Record<string, unknown>;

/** Checks that every bound record exists (one query per target table). */
export async function checkBindings(w: WriteContext, bindings: readonly Binding[]): Promise<void> {
  const byTarget = new Map<string, Set<string>>();
  for (const b of bindings) {
    if (!byTarget.has(b.target)) byTarget.set(b.target, new Set());
    byTarget.get(b.target)!.add(b.id);
  }
  for (const [target, ids] of byTarget) {
    const found = await existingIds(w.q, target, [...ids]);
    for (const id of ids) if (!found.has(id)) throw notFound(target, id);
  }
}

/** Fills statecode/statuscode consistently from what the request set; rejects a mismatch. */
export function resolveState(entity: EntityDef, data: Data, changes: Data): void {
  if (!entity.states) return;
  const hasState = 'statecode' in changes;
  const hasStatus = 'statuscode' in changes;
  if (!hasState && !hasStatus) return;
  const stateValue = hasState ? changes.statecode : undefined;
  let state = hasState ? entity.states.find((s) => s.value === stateValue) : undefined;
  if (hasState && !state) {
    throw badRequest(`${String(stateValue)} is not a valid state code on ${entity.logicalName}.`);
  }
  if (hasStatus && changes.statuscode !== null && changes.statuscode !== -1) {
    const owner = entity.states.find((s) => s.statuses.some((x) => x.value === changes.statuscode));
    if (!owner || (state && owner !== state)) {
      throw new CrmError(
        400,
        CODES.invalidStateTransition,
        `${String(changes.statuscode)} is not a valid status code for state code ${entity.logicalName}State.${state?.label ?? '?'} on ${entity.logicalName}.`,
      );
    }
    state = owner;
    data.statuscode = changes.statuscode;
  } else if (state) {
    data.statuscode = state.defaultStatus;
  }
  if (state) data.statecode = state.value;
}

/** Server-kept columns derived from others (names, composite addresses, owner parts). */
function derive(entity: EntityDef, data: Data, w: WriteContext): void {
  if (entity.columns.fullname?.readOnly) {
    const full = [data.firstname, data.lastname].filter((x) => typeof x === 'string' && x);
    data.fullname = full.length ? full.join(' ') : (data.fullname ?? null);
  }
  for (const prefix of ['address1', 'billto', 'shipto']) {
    if (!entity.columns[`${prefix}_composite`]) continue;
    const parts = ['line1', 'line2', 'line3', 'city', 'stateorprovince', 'postalcode', 'country']
      .map((p) => data[`${prefix}_${p}`])
      .filter((x) => typeof x === 'string' && x);
    data[`${prefix}_composite`] = parts.length ? parts.join('\n') : null;
  }
  if (entity.ownership === 'user') {
    const team = data._ownerid_type === 'team';
    data._owninguser_value = team ? null : data._ownerid_value;
    data._owningteam_value = team ? data._ownerid_value : null;
    data._owningbusinessunit_value ??= w.org.businessUnitId;
  }
}

/** A new record's data: defaults, state, owner, currency, then the request's columns. */
function newData(w: WriteContext, entity: EntityDef, payload: Payload): Data {
  const data: Data = {};
  for (const [column, def] of Object.entries(entity.columns)) {
    if (def.default !== undefined) data[column] = def.default;
  }
  if (entity.states) {
    data.statecode = entity.states[0]!.value;
    data.statuscode = entity.states[0]!.defaultStatus;
  }
  const me = w.caller.systemUserId;
  data._createdby_value = me;
  data._modifiedby_value = me;
  if (entity.ownership === 'user') {
    data._ownerid_value = me;
    data._ownerid_type = 'systemuser';
  }
  const currency = entity.columns.transactioncurrencyid;
  if (currency && !currency.readOnly) data._transactioncurrencyid_value = w.org.baseCurrencyId;
  Object.assign(data, payload.changes);
  resolveState(entity, data, payload.changes);
  if (entity.columns.exchangerate?.readOnly && data._transactioncurrencyid_value) {
    data.exchangerate ??= 1;
  }
  for (const [column, def] of Object.entries(entity.columns)) {
    const key = def.type === 'lookup' ? `_${column}_value` : column;
    if (def.required && (data[key] === undefined || data[key] === null)) {
      throw badRequest(
        `Attribute '${column}' of '${entity.logicalName}' cannot be empty: it is required.`,
        CODES.validation,
      );
    }
  }
  derive(entity, data, w);
  return data;
}

/**
 * Creates records of one table. Tables without business rules, or whose rules only fill columns
 * for many records at once, are written with one multi-row INSERT (the `$batch` fast path); the
 * others one by one through their rules.
 */
export async function createRecords(
  w: WriteContext,
  entity: EntityDef,
  given: readonly { id?: string; payload: Payload }[],
): Promise<StoredRecord[]> {
  const items = given.map((i) => ({ ...i, payload: createPayload(entity, i.payload) }));
  const rows = items.map((item) => {
    const data = newData(w, entity, item.payload);
    const pkValue = data[entity.primaryKey];
    const id = item.id ?? (typeof pkValue === 'string' ? pkValue : newId());
    delete data[entity.primaryKey];
    return { id, data };
  });
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.id)) {
      throw new CrmError(412, CODES.duplicateRecord, 'Cannot insert duplicate key.');
    }
    seen.add(r.id);
  }
  await checkBindings(
    w,
    items.flatMap((i) => i.payload.bindings),
  );
  for (const row of rows) await checkAlternateKeys(w, w.q, entity, row.id, row.data);
  const rules = rulesFor(entity.logicalName);
  if (createsInBulk(entity.logicalName)) {
    await rules?.beforeCreateMany?.(
      w,
      entity,
      rows.map((r) => r.data),
    );
    return insertRecords(w.q, entity.logicalName, rows, w.now);
  }
  const out: StoredRecord[] = [];
  for (const row of rows) {
    await rules?.beforeCreateMany?.(w, entity, [row.data]);
    await rules?.beforeCreate?.(w, entity, row.data);
    const [created] = await insertRecords(w.q, entity.logicalName, [row], w.now);
    await rules?.afterWrite?.(w, entity, created, undefined);
    out.push(created!);
  }
  return out;
}

/**
 * The new data of an existing record after a request's changes, with every check an update makes
 * (the one-by-one path and the `$batch` fast path share it). `checkRefs` false leaves the bound
 * records to the caller (the fast path checks a whole run's with one query per table).
 */
export async function prepareUpdate(
  w: WriteContext,
  entity: EntityDef,
  existing: StoredRecord,
  payload: Payload,
  checkRefs = true,
): Promise<{ data: Data; changes: Data }> {
  if (entity.noUpdate) {
    throw new CrmError(
      405,
      CODES.notSupported,
      `The 'Update' method does not support entities of type '${entity.logicalName}'.`,
    );
  }
  const changes = { ...payload.changes };
  delete changes[entity.primaryKey];
  for (const [column, def] of Object.entries(entity.columns)) {
    const key = def.type === 'lookup' ? `_${column}_value` : column;
    if (def.createOnly && key in changes && changes[key] !== (existing.data[key] ?? null)) {
      throw badRequest(
        `The '${column}' attribute of '${entity.logicalName}' cannot be changed after the record is created.`,
      );
    }
  }
  if (checkRefs) await checkBindings(w, payload.bindings);
  const data: Data = { ...existing.data, ...changes, _modifiedby_value: w.caller.systemUserId };
  resolveState(entity, data, changes);
  derive(entity, data, w);
  return { data, changes };
}

/** Applies a request's changes to an existing record. */
export async function updateExisting(
  w: WriteContext,
  entity: EntityDef,
  existing: StoredRecord,
  payload: Payload,
): Promise<StoredRecord> {
  const { data, changes } = await prepareUpdate(w, entity, existing, payload);
  await checkAlternateKeys(w, w.q, entity, existing.id, data);
  const rules = rulesFor(entity.logicalName);
  await rules?.beforeUpdate?.(w, entity, existing, data, changes);
  const updated = await updateRecord(w.q, entity.logicalName, existing.id, data, w.now);
  await rules?.afterWrite?.(w, entity, updated, existing);
  return updated;
}

/** Deletes a record (404 when missing), running the table's rules. */
export async function deleteExisting(
  w: WriteContext,
  entity: EntityDef,
  existing: StoredRecord,
): Promise<void> {
  const rules = rulesFor(entity.logicalName);
  await rules?.beforeDelete?.(w, entity, existing);
  await deleteRecord(w.q, entity.logicalName, existing.id, w.now);
  await rules?.afterWrite?.(w, entity, undefined, existing);
}

/** Reads a record for a write (locked), or fails with Dataverse's 404. */
export async function mustGet(
  w: WriteContext,
  entity: EntityDef,
  id: string,
): Promise<StoredRecord> {
  const r = await getRecord(w.q, entity.logicalName, id, true);
  if (!r) throw notFound(entity.logicalName, id);
  return r;
}
