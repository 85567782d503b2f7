import { fail, ok, type Result } from '../shared/result.ts';
import { type DataverseError, dataverseError } from './errors.ts';
import type { HttpPipeline } from './http-pipeline.ts';
import type { DataverseRecord } from './operations.ts';
import { buildQueryString } from './query.ts';
import { parseJson } from './responses.ts';

export interface TrackChangesOptions {
  /** Columns to return (the only query option Dataverse allows with change tracking). */
  readonly select?: readonly string[];
  /** The `@odata.deltaLink` of the previous run; omit for the initial snapshot. */
  readonly deltaLink?: string;
  /** Page size for the snapshot and large deltas (default 5,000). */
  readonly pageSize?: number;
}

export interface ChangeSet<T> {
  /** New and changed rows (the whole table on the first run). */
  readonly changed: T[];
  /** Ids of rows deleted since the delta link (`$deletedEntity` / `@removed` entries). */
  readonly deleted: string[];
  /** Pass this as `deltaLink` next time. */
  readonly deltaLink: string;
}

/** True for a `$deletedEntity` (Dataverse) or `@removed` (OData 4.01) entry. */
function deletedIdOf(row: DataverseRecord): string | undefined {
  const context = row['@odata.context'];
  const removed = typeof context === 'string' && context.endsWith('$deletedEntity');
  if (!removed && !('@removed' in row)) return undefined;
  const id = row.id ?? row['@odata.id'];
  if (typeof id !== 'string') return undefined;
  return /\(([0-9a-f-]{36})\)$/i.exec(id)?.[1]?.toLowerCase() ?? id.toLowerCase();
}

/**
 * Change tracking (`Prefer: odata.track-changes`): the first call returns every row and a delta
 * link; later calls with that link return what changed, the ids of deleted rows, and a new link.
 * Pages (`@odata.nextLink`) are followed until the delta link appears.
 */
export async function trackChanges<T = DataverseRecord>(
  pipeline: HttpPipeline,
  entitySet: string,
  options: TrackChangesOptions = {},
): Promise<Result<ChangeSet<T>, DataverseError>> {
  const changed: T[] = [];
  const deleted: string[] = [];
  for await (const page of trackChangePages<T>(pipeline, entitySet, options)) {
    if (!page.ok) return page;
    changed.push(...page.value.changed);
    deleted.push(...page.value.deleted);
    if (page.value.deltaLink) return ok({ changed, deleted, deltaLink: page.value.deltaLink });
  }
  return fail(dataverseError('invalid_response', `${entitySet}: change tracking ended early`));
}

/** One page of a change-tracking read; the last one carries the delta link. */
export interface ChangePage<T> {
  readonly changed: T[];
  readonly deleted: string[];
  readonly deltaLink?: string;
}

/**
 * `trackChanges` one page at a time, so a caller holds one page (a snapshot of a large table need
 * never be in memory at once). Ends after the page with the delta link, or after a failure.
 */
export async function* trackChangePages<T = DataverseRecord>(
  pipeline: HttpPipeline,
  entitySet: string,
  options: TrackChangesOptions = {},
): AsyncGenerator<Result<ChangePage<T>, DataverseError>> {
  const prefer = `odata.track-changes,odata.maxpagesize=${options.pageSize ?? 5000}`;
  let path: string | undefined =
    options.deltaLink ?? entitySet + buildQueryString({ select: options.select });
  while (path) {
    const sent = await pipeline.send({
      operation: 'trackChanges',
      method: 'GET',
      path,
      headers: { Prefer: prefer },
      retryClass: 'idempotent',
    });
    if (!sent.ok) return yield sent;
    const json = parseJson(sent.value.body);
    if (!json.ok) return yield json;
    const body = json.value ?? {};
    const rows = Array.isArray(body.value) ? (body.value as DataverseRecord[]) : [];
    const changed: T[] = [];
    const deleted: string[] = [];
    for (const row of rows) {
      const id = deletedIdOf(row);
      if (id) deleted.push(id);
      else changed.push(row as T);
    }
    const deltaLink = body['@odata.deltaLink'];
    if (typeof deltaLink === 'string') return yield ok({ changed, deleted, deltaLink });
    yield ok({ changed, deleted });
    const next = body['@odata.nextLink'];
    if (typeof next !== 'string') break;
    path = next;
  }
  yield fail(
    dataverseError(
      'invalid_response',
      `${entitySet}: change tracking answer without @odata.deltaLink`,
    ),
  );
}

/** What one cheap look at a delta link found. */
export interface ChangePeek {
  /** True when at least one row changed or was deleted since the delta link. */
  readonly changed: boolean;
  /** `modifiedon` of the first changed row, when the answer carried one. */
  readonly firstModifiedOn?: string;
}

/**
 * One request on a stored delta link, asking for a single row: tells whether anything changed
 * without consuming the link (the next synchronization run reads the same delta in full).
 */
export async function peekChanges(
  pipeline: HttpPipeline,
  deltaLink: string,
): Promise<Result<ChangePeek, DataverseError>> {
  const sent = await pipeline.send({
    operation: 'peekChanges',
    method: 'GET',
    path: deltaLink,
    headers: { Prefer: 'odata.track-changes,odata.maxpagesize=1' },
    retryClass: 'idempotent',
  });
  if (!sent.ok) return sent;
  const json = parseJson(sent.value.body);
  if (!json.ok) return json;
  const rows = Array.isArray(json.value?.value) ? (json.value.value as DataverseRecord[]) : [];
  const first = rows[0];
  if (!first) return ok({ changed: false });
  const modified = first.modifiedon;
  return ok({
    changed: true,
    ...(typeof modified === 'string' ? { firstModifiedOn: modified } : {}),
  });
}

/**
 * A delta link relative to the Web API base (`accounts?$select=…&$deltatoken=…`). Its token belongs
 * to the organization, not to the address it was read through, so a link kept in this form still
 * works when the same org is reached under another URL (a new host name, or the emulator on
 * another port). The pipeline sends a relative link only to the client's own org, so no token
 * ever leaves for another host; an absolute link outside the Web API path is returned as it was
 * (the pipeline's host check then decides).
 */
export function relativeDeltaLink(apiUrl: string, link: string): string {
  if (!/^https?:\/\//i.test(link)) return link;
  let url: URL;
  let base: URL;
  try {
    url = new URL(link);
    base = new URL(apiUrl);
  } catch {
    return link;
  }
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  if (!url.pathname.toLowerCase().startsWith(basePath.toLowerCase())) return link;
  return url.pathname.slice(basePath.length) + url.search;
}
