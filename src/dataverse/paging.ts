import { fail, ok, type Result } from '../shared/result.ts';
import { type DataverseError, dataverseError } from './errors.ts';
import type { HttpPipeline } from './http-pipeline.ts';
import type { QueryOptions } from './query.ts';
import { parseJson } from './responses.ts';

/** One page of a query. */
export interface Page<T> {
  readonly value: T[];
  /** Absent on the last page. */
  readonly nextLink?: string;
  /** With `count: true` (capped at 5,000 by Dataverse). */
  readonly count?: number;
}

export interface ReadOptions {
  /** `odata.include-annotations` value, e.g. `*` or `OData.Community.Display.V1.FormattedValue`. */
  readonly annotations?: string;
}

export interface PagedQuery extends QueryOptions, ReadOptions {
  /** `Prefer: odata.maxpagesize` (≤ 5,000). */
  readonly pageSize?: number;
}

/** `odata.include-annotations="…"`. */
export const annotationsPreference = (annotations: string): string =>
  `odata.include-annotations=${annotations.startsWith('"') ? annotations : `"${annotations}"`}`;

/** One `Prefer` header from several preferences (Dataverse reads the comma-joined form). */
export function preferHeader(
  ...prefs: (string | undefined | false | '')[]
): Record<string, string> {
  const list = prefs.filter((p): p is string => Boolean(p));
  return list.length ? { Prefer: list.join(',') } : {};
}

/** Merges two header sets, joining their `Prefer` values. */
export function mergePrefer(
  a: Record<string, string>,
  b: Record<string, string>,
): Record<string, string> {
  const merged = { ...a, ...b };
  if (a.Prefer && b.Prefer) merged.Prefer = `${a.Prefer},${b.Prefer}`;
  return merged;
}

/** GETs one page (a query URL or an `@odata.nextLink`). */
export async function readPage<T>(
  pipeline: HttpPipeline,
  path: string,
  options: { pageSize?: number; annotations?: string },
): Promise<Result<Page<T>, DataverseError>> {
  const r = await pipeline.send({
    operation: 'retrieveMultiple',
    method: 'GET',
    path,
    headers: preferHeader(
      options.pageSize ? `odata.maxpagesize=${options.pageSize}` : undefined,
      options.annotations ? annotationsPreference(options.annotations) : undefined,
    ),
    retryClass: 'idempotent',
  });
  if (!r.ok) return r;
  const json = parseJson(r.value.body);
  if (!json.ok) return json;
  const body = json.value ?? {};
  if (!Array.isArray(body.value)) {
    return fail(dataverseError('invalid_response', 'a collection answer without value'));
  }
  const next = body['@odata.nextLink'];
  const count = body['@odata.count'];
  return ok({
    value: body.value as T[],
    ...(typeof next === 'string' ? { nextLink: next } : {}),
    ...(typeof count === 'number' ? { count } : {}),
  });
}
