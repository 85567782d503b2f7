import { unstorableCharacter } from '../../shared/input-checks.ts';
import { ENTITIES, entityBySet } from '../catalogue/index.ts';
import { badRequest, CODES, CrmError, errorBody, notFound, segmentNotFound } from '../errors.ts';
import { parseKeySegment, resolveAlternateKey } from './alternate-keys.ts';
import { BULK_MESSAGES, bulkHandler } from './bulk.ts';
import {
  createHandler,
  deleteHandler,
  propertyHandler,
  refHandler,
  retrieveHandler,
  upsertHandler,
} from './crud.ts';
import { entityDefinitions } from './entity-definitions.ts';
import { optionMetadata } from './option-metadata.ts';
import { countCollection, retrieveMultiple } from './query.ts';
import { type ApiRequest, type ApiResponse, jsonResponse, type RequestContext } from './types.ts';

/** An unbound function or action (`WhoAmI`, `WinQuote`, …). */
export type OperationHandler = (ctx: RequestContext, req: ApiRequest) => Promise<ApiResponse>;

const operations = new Map<string, { method: 'GET' | 'POST'; handler: OperationHandler }>();

/** Registers unbound functions (GET) and actions (POST) by name. */
export function registerOperation(
  name: string,
  method: 'GET' | 'POST',
  handler: OperationHandler,
): void {
  operations.set(name, { method, handler });
}

export const operationNames = () => [...operations.entries()];

const API_PATH = /^\/api\/data\/v9\.[0-2]\/?(.*)$/;

/** The decoded path; a URL that cannot be decoded or holds characters nothing stores is a 400. */
function checkedPath(raw: string, query: URLSearchParams): string {
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw badRequest(`The URL path '${raw}' is not valid.`);
  }
  let bad = unstorableCharacter(path);
  for (const [k, v] of query) bad ??= unstorableCharacter(k) ?? unstorableCharacter(v);
  if (bad) throw badRequest(`The request URL contains ${bad}.`);
  return path;
}

/** Turns any failure into Dataverse's error response. */
export function errorResponse(err: unknown): ApiResponse {
  if (err instanceof CrmError) {
    return jsonResponse(err.status, errorBody(err.code, err.message), err.headers ?? {});
  }
  return jsonResponse(500, errorBody(CODES.unexpected, 'An unexpected error occurred.'));
}

const methodNotAllowed = (method: string, what: string) =>
  new CrmError(405, CODES.notSupported, `The HTTP method '${method}' is not allowed on ${what}.`);

function serviceDocument(ctx: RequestContext): ApiResponse {
  return jsonResponse(200, {
    '@odata.context': `${ctx.apiUrl}$metadata`,
    value: ENTITIES.map((e) => ({ name: e.entitySet, kind: 'EntitySet', url: e.entitySet })),
  });
}

/**
 * Routes one request below `/api/data/v9.2/`. `resolve` maps `$n` Content-ID references (inside a
 * change set) to entity URLs.
 */
export async function route(
  ctx: RequestContext,
  req: ApiRequest,
  resolve: (ref: string) => string | undefined = () => undefined,
): Promise<ApiResponse> {
  const m = API_PATH.exec(req.url.pathname);
  if (!m) throw segmentNotFound(req.url.pathname);
  const path = checkedPath(m[1] ?? '', req.url.searchParams);
  if (path === '') return serviceDocument(ctx);
  if (path === 'EntityDefinitions' || path.startsWith('EntityDefinitions(')) {
    const metadata = req.method === 'GET' ? await optionMetadata(ctx, path) : undefined;
    return metadata ?? entityDefinitions(ctx, req, path);
  }
  const segments = path.split('/');
  const head = /^([A-Za-z_$][A-Za-z0-9_.$]*?)(\(\s*\))?(\((.*)\))?$/.exec(segments[0]!);
  if (!head) throw segmentNotFound(segments[0]!);
  const name = head[1]!.replace(/^Microsoft\.Dynamics\.CRM\./, '');
  const op = operations.get(name);
  if (op && segments.length === 1) {
    if (req.method !== op.method) throw methodNotAllowed(req.method, name);
    return op.handler(ctx, req);
  }
  const entity = entityBySet(name);
  if (!entity) throw segmentNotFound(name);
  const key = head[4];
  const rest = segments.slice(1);
  if (key === undefined) {
    if (rest.length === 1 && rest[0] === '$count' && req.method === 'GET') {
      return countCollection(ctx, entity, req);
    }
    const bulk = rest.length === 1 ? rest[0]!.replace(/^Microsoft\.Dynamics\.CRM\./, '') : '';
    if (BULK_MESSAGES.has(bulk)) {
      if (req.method !== 'POST') throw methodNotAllowed(req.method, bulk);
      return bulkHandler(ctx, entity, bulk, req);
    }
    if (rest.length > 0) throw segmentNotFound(rest[0]!);
    if (req.method === 'GET') return retrieveMultiple(ctx, entity, req);
    if (req.method === 'POST') return createHandler(ctx, entity, req, resolve);
    throw methodNotAllowed(req.method, entity.entitySet);
  }
  const segment = parseKeySegment(entity, key);
  let id: string;
  let keyValues: Record<string, unknown> | undefined;
  if ('id' in segment) id = segment.id;
  else {
    const found = await resolveAlternateKey(ctx, entity, segment.values);
    if (!found.found && !(req.method === 'PATCH' && rest.length === 0)) {
      throw notFound(entity.logicalName, segment.text);
    }
    id = found.id;
    if (!found.found) keyValues = found.columns;
  }
  if (rest.length === 0) {
    switch (req.method) {
      case 'GET':
        return retrieveHandler(ctx, entity, id, req);
      case 'PATCH':
        return upsertHandler(ctx, entity, id, req, resolve, keyValues);
      case 'DELETE':
        return deleteHandler(ctx, entity, id, req);
      default:
        throw methodNotAllowed(req.method, `${entity.entitySet}(${id})`);
    }
  }
  if (rest.length === 1 && ['GET', 'PUT', 'DELETE'].includes(req.method)) {
    return propertyHandler(ctx, entity, id, rest[0]!, req, resolve);
  }
  if (rest.length === 2 && rest[1] === '$ref' && ['PUT', 'DELETE'].includes(req.method)) {
    return refHandler(ctx, entity, id, rest[0]!, req, resolve);
  }
  throw segmentNotFound(rest.join('/'));
}

/** Routes a request and answers failures as Dataverse does. */
export async function dispatch(
  ctx: RequestContext,
  req: ApiRequest,
  resolve?: (ref: string) => string | undefined,
  onError?: (err: unknown) => void,
): Promise<ApiResponse> {
  try {
    return await route(ctx, req, resolve);
  } catch (err) {
    if (!(err instanceof CrmError)) onError?.(err);
    return errorResponse(err);
  }
}
