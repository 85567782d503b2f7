import { fail, ok, type Result } from '../shared/result.ts';
import { type DataverseError, dataverseError } from './errors.ts';
import type { DataverseRecord, OperationRequest } from './operations.ts';
import { idFromEntityUrl } from './query.ts';

/** What a successful write or read returned. */
export interface OperationSuccess {
  readonly status: number;
  /** The record's id: from OData-EntityId / Location, the body, or the id the client chose. */
  readonly id?: string;
  /** Weak ETag (`W/"123"`), when the answer carried one. Opaque: compare for equality only. */
  readonly etag?: string;
  /** The JSON body (a record with return=representation, an action's response, …). */
  readonly body?: DataverseRecord;
}

/** Reads a JSON body; '' is no body. */
export function parseJson(text: string): Result<DataverseRecord | undefined, DataverseError> {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return ok(undefined);
  try {
    const value = JSON.parse(trimmed) as unknown;
    return ok(value !== null && typeof value === 'object' ? (value as DataverseRecord) : { value });
  } catch {
    return fail(
      dataverseError('invalid_response', `the answer is not JSON: ${trimmed.slice(0, 80)}`),
    );
  }
}

/** Turns a 2xx answer to an operation into its success value. */
export function operationSuccess(
  request: OperationRequest,
  status: number,
  header: (name: string) => string | null | undefined,
  bodyText: string,
): Result<OperationSuccess, DataverseError> {
  const parsed = parseJson(bodyText);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const fromBody =
    request.primaryKey && typeof body?.[request.primaryKey] === 'string'
      ? (body[request.primaryKey] as string)
      : undefined;
  const fromUrl = idFromEntityUrl(header('odata-entityid') ?? header('location'));
  const id =
    request.method === 'POST'
      ? (fromUrl ?? fromBody ?? request.id)
      : (request.id ?? fromBody ?? fromUrl);
  const etagInBody = body?.['@odata.etag'];
  const etag = typeof etagInBody === 'string' ? etagInBody : (header('etag') ?? undefined);
  return ok({
    status,
    ...(id !== undefined ? { id } : {}),
    ...(etag ? { etag } : {}),
    ...(body !== undefined ? { body } : {}),
  });
}
