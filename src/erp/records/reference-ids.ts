import { isGuid } from '../../shared/ids.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import type { EntityDef } from '../catalog/field-types.ts';
import type { DbOrTx } from './transactions.ts';

/** BC writes "no reference" as the empty GUID. */
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/**
 * Turns the writable reference ids of a body (`customerId`, `currencyId`, `paymentTermsId`, …)
 * into the code or number fields the ERP stores, as BC accepts either on its sales documents and
 * customers. An id naming no row is `invalid_reference`; an id and a code that disagree are
 * `validation_failed`. Other fields pass through untouched for the usual input check.
 */
export async function resolveReferenceIds(
  db: DbOrTx,
  def: EntityDef,
  body: unknown,
): Promise<Result<unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ok(body);
  const refs = def.fields.filter((x) => x.writeVia && x.name in body);
  if (refs.length === 0) return ok(body);
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const field of refs) {
    const via = field.writeVia!;
    const id = out[field.name];
    delete out[field.name];
    let value: unknown;
    if (id === null || id === EMPTY_GUID) value = null;
    else if (typeof id !== 'string' || !isGuid(id))
      return failure('validation_failed', `${field.name}: must be a GUID`);
    else {
      const r = await db.query<{ k: string }>(
        `SELECT x.${via.key} AS k FROM ${via.table} x WHERE x.id = $1`,
        [id],
      );
      if (!r.rows[0])
        return failure('invalid_reference', `${field.name} ${id} names no existing record`);
      value = r.rows[0].k;
    }
    const given = out[via.field];
    if (given !== undefined && (given || null) !== value)
      return failure(
        'validation_failed',
        `${field.name} and ${via.field} name different records (${String(value)} ≠ ${String(given)})`,
      );
    out[via.field] = value;
  }
  return ok(out);
}
