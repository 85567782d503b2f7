import type { EntityDef } from '../catalogue/index.ts';
import { badRequest } from '../errors.ts';
import { getRecord } from '../store/records.ts';
import { jsonBody, payloadOf, write } from './crud.ts';
import {
  type ApiRequest,
  type ApiResponse,
  emptyResponse,
  jsonResponse,
  type RequestContext,
} from './types.ts';
import { createRecords, updateExisting } from './writes.ts';

export const BULK_MESSAGES = new Set(['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple']);

/** The `Targets` of a bulk message; each must carry its `@odata.type`, as Dataverse requires. */
function targets(entity: EntityDef, req: ApiRequest): Record<string, unknown>[] {
  const body = jsonBody(req) as { Targets?: unknown };
  if (!Array.isArray(body.Targets) || body.Targets.length === 0) {
    throw badRequest("The parameter 'Targets' must be a non-empty array.");
  }
  for (const t of body.Targets as Record<string, unknown>[]) {
    if (t?.['@odata.type'] !== `Microsoft.Dynamics.CRM.${entity.logicalName}`) {
      throw badRequest(
        `Every target needs "@odata.type": "Microsoft.Dynamics.CRM.${entity.logicalName}".`,
      );
    }
  }
  return body.Targets as Record<string, unknown>[];
}

const keyOf = (entity: EntityDef, t: Record<string, unknown>): string => {
  const id = t[entity.primaryKey];
  if (typeof id !== 'string') throw badRequest(`Every target needs its ${entity.primaryKey}.`);
  return id.toLowerCase();
};

/**
 * `POST <set>/Microsoft.Dynamics.CRM.CreateMultiple|UpdateMultiple|UpsertMultiple`: one
 * transaction for all targets (standard tables: any error rolls back everything).
 */
export async function bulkHandler(
  ctx: RequestContext,
  entity: EntityDef,
  message: string,
  req: ApiRequest,
): Promise<ApiResponse> {
  const list = targets(entity, req);
  const none = () => undefined;
  const context = (name: string) => `${ctx.apiUrl}$metadata#Microsoft.Dynamics.CRM.${name}Response`;
  if (message === 'CreateMultiple') {
    const items = list.map((t) => ({ payload: payloadOf(entity, t, none) }));
    const created = await write(ctx, (w) => createRecords(w, entity, items));
    return jsonResponse(200, { '@odata.context': context(message), Ids: created.map((r) => r.id) });
  }
  const results = await write(ctx, async (w) => {
    const out: { RecordCreated: boolean; Id: string }[] = [];
    for (const t of list) {
      const id = keyOf(entity, t);
      const payload = payloadOf(entity, t, none);
      const existing = await getRecord(w.q, entity.logicalName, id, true);
      if (existing) {
        await updateExisting(w, entity, existing, payload);
        out.push({ RecordCreated: false, Id: id });
      } else if (message === 'UpsertMultiple') {
        await createRecords(w, entity, [{ id, payload }]);
        out.push({ RecordCreated: true, Id: id });
      } else {
        throw badRequest(`${entity.logicalName} With Id = ${id} Does Not Exist`);
      }
    }
    return out;
  });
  if (message === 'UpdateMultiple') return emptyResponse(204);
  return jsonResponse(200, { '@odata.context': context(message), Results: results });
}
