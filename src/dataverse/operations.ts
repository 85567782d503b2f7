import { isGuid } from '../shared/ids.ts';
import { fail, ok, type Result } from '../shared/result.ts';
import { primaryKeyOf } from './entity-keys.ts';
import { type DataverseError, dataverseError } from './errors.ts';
import type { HttpMethod } from './http-pipeline.ts';
import { buildQueryString, type ExpandOptions, entityPath, type RecordKey } from './query.ts';
import type { RetryClass } from './retry-policy.ts';

/** A Dataverse record as JSON: columns, annotations (`@odata.etag`) and `x@odata.bind` lookups. */
export type DataverseRecord = Record<string, unknown>;

/** Groups operations into one atomic change set inside a `$batch` (same label → same change set). */
interface InChangeSet {
  readonly changeSet?: string;
}

/** Write and read operations, usable one by one or in `executeBatch`. */
export type DataverseOperation =
  | (InChangeSet & {
      readonly kind: 'create';
      readonly entitySet: string;
      readonly record: DataverseRecord;
      /** Client-chosen GUID; put in the body as the primary key, makes the create retry-safe. */
      readonly id?: string;
      /** Primary key column when it is not `<singular entity set>id`. */
      readonly primaryKey?: string;
    })
  | (InChangeSet & {
      readonly kind: 'update';
      readonly entitySet: string;
      readonly id: RecordKey;
      readonly patch: DataverseRecord;
      /** Default `*`: update only, never create. Pass an ETag for optimistic concurrency. */
      readonly ifMatch?: string;
    })
  | (InChangeSet & {
      readonly kind: 'upsert';
      readonly entitySet: string;
      readonly id: RecordKey;
      readonly record: DataverseRecord;
    })
  | (InChangeSet & {
      readonly kind: 'delete';
      readonly entitySet: string;
      readonly id: RecordKey;
      readonly ifMatch?: string;
    })
  | {
      readonly kind: 'retrieve';
      readonly entitySet: string;
      readonly id: RecordKey;
      readonly select?: readonly string[];
      readonly expand?: string | Readonly<Record<string, ExpandOptions | true>>;
    }
  | {
      /**
       * A read of the rows matching a filter (one page). In a `$batch` its URL is in the body, so
       * a long `In(...)` filter fits where a GET's URL would be too long.
       */
      readonly kind: 'query';
      readonly entitySet: string;
      readonly filter: string;
      readonly select?: readonly string[];
    }
  | (InChangeSet & {
      readonly kind: 'action';
      readonly name: string;
      readonly params?: DataverseRecord;
      readonly bound?: { readonly entitySet: string; readonly id: RecordKey };
      /** Set when repeating the action is harmless; otherwise it is retried only after a 429. */
      readonly idempotent?: boolean;
    });

/** An operation turned into an HTTP request (relative path, headers, JSON body). */
export interface OperationRequest {
  readonly operation: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: DataverseRecord;
  readonly retryClass: RetryClass;
  readonly duplicateMeansDone?: boolean;
  /** The record id when the client knows it (client GUID, update/delete target). */
  readonly id?: string;
  readonly primaryKey?: string;
}

export interface RequestOptions {
  /** Ask for `return=representation` on writes (the record and its ETag come back). */
  readonly returnRepresentation?: boolean;
  /** Columns of the representation (create/update); the primary key is always returned. */
  readonly select?: readonly string[];
}

const invalid = (message: string) => fail(dataverseError('invalid_request', message));

function keyPath(entitySet: string, key: RecordKey): Result<string, DataverseError> {
  const path = entityPath(entitySet, key);
  return path
    ? ok(path)
    : invalid(`${entitySet}: ${JSON.stringify(key)} is neither a GUID nor an alternate key`);
}

const guidOf = (key: RecordKey): string | undefined =>
  typeof key === 'string' ? key.toLowerCase() : undefined;

/** Turns an operation into the request that performs it, or `invalid_request`. */
export function toRequest(
  op: DataverseOperation,
  options: RequestOptions = {},
): Result<OperationRequest, DataverseError> {
  const representation: Record<string, string> = options.returnRepresentation
    ? { Prefer: 'return=representation' }
    : {};
  const selectQuery = options.returnRepresentation
    ? buildQueryString({ select: options.select })
    : '';
  switch (op.kind) {
    case 'create': {
      const primaryKey = op.primaryKey ?? primaryKeyOf(op.entitySet);
      const inBody = op.record[primaryKey];
      const id = op.id ?? (typeof inBody === 'string' ? inBody : undefined);
      if (id !== undefined && !isGuid(id))
        return invalid(`${op.entitySet}: id ${id} is not a GUID`);
      if (
        op.id !== undefined &&
        typeof inBody === 'string' &&
        inBody.toLowerCase() !== op.id.toLowerCase()
      ) {
        return invalid(`${op.entitySet}: the record's ${primaryKey} differs from the id given`);
      }
      const body = id ? { ...op.record, [primaryKey]: id.toLowerCase() } : op.record;
      return ok({
        operation: 'create',
        method: 'POST',
        path: op.entitySet + selectQuery,
        headers: representation,
        body,
        // A create that carries its own GUID cannot duplicate: a repeat meets "duplicate key".
        retryClass: id ? 'idempotent' : 'never-processed',
        duplicateMeansDone: id !== undefined,
        id: id?.toLowerCase(),
        primaryKey,
      });
    }
    case 'update': {
      const path = keyPath(op.entitySet, op.id);
      if (!path.ok) return path;
      return ok({
        operation: 'update',
        method: 'PATCH',
        path: path.value + selectQuery,
        headers: { 'If-Match': op.ifMatch ?? '*', ...representation },
        body: op.patch,
        retryClass: 'idempotent',
        id: guidOf(op.id),
        primaryKey: primaryKeyOf(op.entitySet),
      });
    }
    case 'upsert': {
      const path = keyPath(op.entitySet, op.id);
      if (!path.ok) return path;
      return ok({
        operation: 'upsert',
        method: 'PATCH',
        path: path.value + selectQuery,
        headers: representation,
        body: op.record,
        retryClass: 'idempotent',
        id: guidOf(op.id),
        primaryKey: primaryKeyOf(op.entitySet),
      });
    }
    case 'delete': {
      const path = keyPath(op.entitySet, op.id);
      if (!path.ok) return path;
      return ok({
        operation: 'delete',
        method: 'DELETE',
        path: path.value,
        headers: op.ifMatch ? { 'If-Match': op.ifMatch } : ({} as Record<string, string>),
        retryClass: 'idempotent',
        id: guidOf(op.id),
      });
    }
    case 'retrieve': {
      const path = keyPath(op.entitySet, op.id);
      if (!path.ok) return path;
      return ok({
        operation: 'retrieve',
        method: 'GET',
        path: path.value + buildQueryString({ select: op.select, expand: op.expand }),
        headers: {},
        retryClass: 'idempotent',
        id: guidOf(op.id),
        primaryKey: primaryKeyOf(op.entitySet),
      });
    }
    case 'query':
      return ok({
        operation: 'query',
        method: 'GET',
        path: op.entitySet + buildQueryString({ select: op.select, filter: op.filter }),
        headers: {},
        retryClass: 'idempotent',
      });
    case 'action': {
      let path = op.name;
      if (op.bound) {
        const bound = keyPath(op.bound.entitySet, op.bound.id);
        if (!bound.ok) return bound;
        path = `${bound.value}/Microsoft.Dynamics.CRM.${op.name}`;
      }
      return ok({
        operation: 'action',
        method: 'POST',
        path,
        headers: {},
        body: op.params ?? {},
        retryClass: op.idempotent ? 'idempotent' : 'never-processed',
      });
    }
  }
}
