import { findUnacceptable } from '../../shared/input-checks.ts';
import type { EntityDef } from '../catalogue/index.ts';
import { columnByWireName, navigations } from '../catalogue/index.ts';
import {
  badRequest,
  concurrencyMismatch,
  duplicateKey,
  invalidProperty,
  notFound,
  queryError,
} from '../errors.ts';
import { parseQueryOptions, parseSelect } from '../odata/query-options.ts';
import { getRecord, inWriteTransaction, type StoredRecord } from '../store/records.ts';
import { type Payload, readPayload } from '../store/values.ts';
import { deepCreate, hasRelatedRecords } from './deep-insert.ts';
import { collectionContext } from './query.ts';
import { columnValue, etagOf, serializeRecords } from './serialize.ts';
import {
  type ApiRequest,
  type ApiResponse,
  emptyResponse,
  jsonResponse,
  type RequestContext,
  type WriteContext,
} from './types.ts';
import { createRecords, deleteExisting, mustGet, updateExisting } from './writes.ts';

export const entityUrl = (ctx: RequestContext, entity: EntityDef, id: string) =>
  `${ctx.apiUrl}${entity.entitySet}(${id})`;

/** Parses a JSON request body (an empty body is an empty object). */
export function jsonBody(req: ApiRequest): unknown {
  if (!req.body.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  const bad = findUnacceptable(body);
  if (bad) throw badRequest(`The request body is not valid: ${bad}.`);
  return body;
}

/** Reads a body for a table, resolving `$n` Content-ID references through the request context. */
export function payloadOf(
  entity: EntityDef,
  body: unknown,
  resolve: (ref: string) => string | undefined,
): Payload {
  return readPayload(entity, body, resolve);
}

export const write = <T>(ctx: RequestContext, fn: (w: WriteContext) => Promise<T>) =>
  inWriteTransaction(ctx.db, ctx.tx, (q) => fn({ ...ctx, q }));

function checkIfMatch(
  req: ApiRequest,
  existing: StoredRecord | undefined,
  entity: EntityDef,
  id: string,
) {
  const ifMatch = req.headers['if-match'];
  if (ifMatch === undefined) return;
  if (!existing) throw notFound(entity.logicalName, id);
  if (ifMatch.trim() !== '*' && ifMatch.trim() !== etagOf(existing.version)) {
    throw concurrencyMismatch();
  }
}

/** The response of a create or update: 204 with the entity id, or the record when asked. */
async function writeResponse(
  ctx: RequestContext,
  entity: EntityDef,
  req: ApiRequest,
  record: StoredRecord,
  created: boolean,
): Promise<ApiResponse> {
  const url = entityUrl(ctx, entity, record.id);
  if (!ctx.prefs.returnRepresentation) {
    return emptyResponse(204, { 'OData-EntityId': url, ETag: etagOf(record.version) });
  }
  const select = req.url.searchParams.get('$select');
  const columns = select !== null ? parseSelect(entity, select) : undefined;
  const [body] = await serializeRecords(ctx.tx ?? ctx.db, entity, [record], ctx.prefs, columns);
  return jsonResponse(
    created ? 201 : 200,
    { '@odata.context': `${collectionContext(ctx, entity, columns)}/$entity`, ...body },
    { 'Preference-Applied': 'return=representation', ETag: etagOf(record.version) },
  );
}

export async function createHandler(
  ctx: RequestContext,
  entity: EntityDef,
  req: ApiRequest,
  resolve: (ref: string) => string | undefined,
): Promise<ApiResponse> {
  const body = jsonBody(req);
  if (hasRelatedRecords(entity, body)) {
    const record = await write(ctx, (w) => deepCreate(w, entity, body, resolve));
    return writeResponse(ctx, entity, req, record, true);
  }
  const payload = payloadOf(entity, body, resolve);
  const [record] = await write(ctx, (w) => createRecords(w, entity, [{ payload }]));
  return writeResponse(ctx, entity, req, record!, true);
}

export async function retrieveHandler(
  ctx: RequestContext,
  entity: EntityDef,
  id: string,
  req: ApiRequest,
): Promise<ApiResponse> {
  const opts = parseQueryOptions(entity, req.url.searchParams);
  const record = await getRecord(ctx.tx ?? ctx.db, entity.logicalName, id);
  if (!record) throw notFound(entity.logicalName, id);
  const etag = etagOf(record.version);
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch === etag && opts.expand.length === 0 && ctx.prefs.annotations.length === 0) {
    return emptyResponse(304, { ETag: etag });
  }
  const [body] = await serializeRecords(
    ctx.tx ?? ctx.db,
    entity,
    [record],
    ctx.prefs,
    opts.select,
    opts.expand,
    ctx.now,
  );
  return jsonResponse(
    200,
    { '@odata.context': `${collectionContext(ctx, entity, opts.select)}/$entity`, ...body },
    { ETag: etag },
  );
}

/** PATCH: update, or create with the key when the row does not exist (upsert). */
export async function upsertHandler(
  ctx: RequestContext,
  entity: EntityDef,
  id: string,
  req: ApiRequest,
  resolve: (ref: string) => string | undefined,
  keyValues?: Record<string, unknown>,
): Promise<ApiResponse> {
  const body = payloadOf(entity, jsonBody(req), resolve);
  // An upsert by alternate key that creates the row sets the key's columns.
  const payload = keyValues ? { ...body, changes: { ...keyValues, ...body.changes } } : body;
  const { record, created } = await write(ctx, async (w) => {
    const existing = await getRecord(w.q, entity.logicalName, id, true);
    checkIfMatch(req, existing, entity, id);
    if (existing && req.headers['if-none-match']?.trim() === '*') throw duplicateKey();
    if (existing)
      return { record: await updateExisting(w, entity, existing, payload), created: false };
    const [r] = await createRecords(w, entity, [{ id, payload }]);
    return { record: r!, created: true };
  });
  return writeResponse(ctx, entity, req, record, created);
}

export async function deleteHandler(
  ctx: RequestContext,
  entity: EntityDef,
  id: string,
  req: ApiRequest,
): Promise<ApiResponse> {
  await write(ctx, async (w) => {
    const existing = await mustGet(w, entity, id);
    checkIfMatch(req, existing, entity, id);
    await deleteExisting(w, entity, existing);
  });
  return emptyResponse(204);
}

/** `GET <set>(id)/<column>`, `PUT` it with `{"value": …}`, `DELETE` it (clear). */
export async function propertyHandler(
  ctx: RequestContext,
  entity: EntityDef,
  id: string,
  property: string,
  req: ApiRequest,
  resolve: (ref: string) => string | undefined,
): Promise<ApiResponse> {
  const found = columnByWireName(entity, property);
  if (!found)
    throw queryError(
      `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`,
    );
  if (req.method === 'GET') {
    const record = await getRecord(ctx.tx ?? ctx.db, entity.logicalName, id);
    if (!record) throw notFound(entity.logicalName, id);
    const value = columnValue(entity, record, found.column);
    if (value === null) return emptyResponse(204);
    return jsonResponse(200, {
      '@odata.context': `${ctx.apiUrl}$metadata#${entity.entitySet}(${id})/${property}`,
      value,
    });
  }
  if (found.def.type === 'lookup') throw invalidProperty(property, entity.logicalName);
  const value = req.method === 'DELETE' ? null : (jsonBody(req) as { value?: unknown }).value;
  const payload = payloadOf(entity, { [found.column]: value ?? null }, resolve);
  await write(ctx, async (w) => updateExisting(w, entity, await mustGet(w, entity, id), payload));
  return emptyResponse(204);
}

/** `PUT|DELETE <set>(id)/<nav>/$ref`: set or clear a single-valued lookup. */
export async function refHandler(
  ctx: RequestContext,
  entity: EntityDef,
  id: string,
  navigation: string,
  req: ApiRequest,
  resolve: (ref: string) => string | undefined,
): Promise<ApiResponse> {
  const nav = navigations(entity).get(navigation);
  if (!nav)
    throw queryError(
      `Could not find a property named '${navigation}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`,
    );
  let body: Record<string, unknown>;
  if (req.method === 'DELETE') body = { [navigation]: null };
  else {
    const ref = (jsonBody(req) as Record<string, unknown>)['@odata.id'];
    if (typeof ref !== 'string') throw badRequest("The body must carry '@odata.id'.");
    body = { [`${navigation}@odata.bind`]: ref };
  }
  const payload = payloadOf(entity, body, resolve);
  await write(ctx, async (w) => updateExisting(w, entity, await mustGet(w, entity, id), payload));
  return emptyResponse(204);
}
