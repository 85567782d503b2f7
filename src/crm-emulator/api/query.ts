import { type EntityDef, wireName } from '../catalogue/index.ts';
import { badRequest, queryError } from '../errors.ts';
import { orderSql } from '../odata/columns-sql.ts';
import { filterToSql, Params } from '../odata/filter-sql.ts';
import { wantsAnnotation } from '../odata/prefer.ts';
import { parseQueryOptions, type QueryOptions } from '../odata/query-options.ts';
import {
  changedSince,
  countRecords,
  currentVersion,
  deletedSince,
  type StoredRecord,
  selectRecords,
} from '../store/records.ts';
import { fetchXmlQuery } from './fetch-query.ts';
import { selectedColumns, serializeRecords } from './serialize.ts';
import { type ApiRequest, type ApiResponse, jsonResponse, type RequestContext } from './types.ts';

export const MAX_PAGE_SIZE = 5000;

/**
 * The stored keys a read's rows need: with a `$select`, no `$expand` and no annotations (an
 * expand, formatted values and lookup names read other columns and related rows), only the
 * selected columns'. PostgreSQL builds an object of at most 50 pairs; a longer `$select` reads
 * whole rows.
 */
function storedKeys(ctx: RequestContext, entity: EntityDef, opts: QueryOptions) {
  if (!opts.select || opts.expand.length > 0 || ctx.prefs.annotations.length > 0) return undefined;
  const keys = selectedColumns(entity, opts.select).map(([column, def]) => wireName(column, def));
  return keys.length <= 50 ? keys : undefined;
}

/** `@odata.context` of a collection, with the selected columns as Dataverse writes them. */
export const collectionContext = (ctx: RequestContext, entity: EntityDef, select?: string[]) =>
  `${ctx.apiUrl}$metadata#${entity.entitySet}${select ? `(${select.join(',')})` : ''}`;

interface Cookie {
  page: number;
  /** The delta token fixed when a change-tracking read started. */
  delta?: number;
  /** Last id of the previous page (change-tracking reads page by id, stable under writes). */
  last?: string;
  /** Last version of the previous page of a delta. */
  after?: number;
}

const MAX_PAGE_NUMBER = 100_000_000;

const cookieText = (c: Cookie) =>
  `<cookie pagenumber="${c.page}" pagingcookie="%3ccookie%20page%3d%22${c.page - 1}%22%3e%3c%2fcookie%3e" istracking="${c.delta !== undefined ? 'True' : 'False'}"${c.delta !== undefined ? ` deltatoken="${c.delta}"` : ''}${c.last ? ` last="${c.last}"` : ''}${c.after !== undefined ? ` after="${c.after}"` : ''} />`;

function parseCookie(text: string | undefined): Cookie {
  if (!text) return { page: 1 };
  const page = /pagenumber="(\d{1,9})"/.exec(text);
  if (!page) throw queryError(`The $skiptoken '${text}' is not valid.`);
  const delta = /deltatoken="(\d{1,15})"/.exec(text);
  const last = /last="([0-9a-f-]{36})"/.exec(text);
  const after = /after="(\d{1,15})"/.exec(text);
  if (Number(page[1]) > MAX_PAGE_NUMBER) throw queryError(`The $skiptoken '${text}' is not valid.`);
  return {
    page: Number(page[1]),
    delta: delta ? Number(delta[1]) : undefined,
    last: last?.[1],
    after: after ? Number(after[1]) : undefined,
  };
}

const decodedName = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

/** The request URL with one option replaced; the other options keep their original spelling. */
const linkWith = (req: ApiRequest, name: string, value: string, drop: string[] = []) => {
  const removed = new Set([name, ...drop]);
  const kept = req.url.search
    .replace(/^\?/, '')
    .split('&')
    .filter((p) => p && !removed.has(decodedName(p.split('=')[0]!)));
  kept.push(`${name}=${encodeURIComponent(value)}`);
  return `${req.url.origin}${req.url.pathname}?${kept.join('&')}`;
};

const deltaTokenText = (version: number, now: Date) =>
  `${version}!${now.toISOString().slice(0, 19).replace('T', ' ')}`;

function whereOf(ctx: RequestContext, entity: EntityDef, opts: QueryOptions, params: Params) {
  if (!opts.filter) return 'true';
  return filterToSql(
    { entity, params, userId: ctx.caller.systemUserId, now: ctx.now },
    opts.filter,
  );
}

const orderOf = (entity: EntityDef, opts: QueryOptions) => orderSql(entity, opts.orderBy);

/** `GET <set>`: a page of records, a change-tracking read, or a delta. */
export async function retrieveMultiple(
  ctx: RequestContext,
  entity: EntityDef,
  req: ApiRequest,
): Promise<ApiResponse> {
  for (const named of ['savedQuery', 'userQuery']) {
    if (req.url.searchParams.has(named)) {
      throw badRequest(
        `The query parameter ${named} is not supported by the emulator: it has no saved views. Send the view's FetchXML as fetchXml instead.`,
      );
    }
  }
  if (req.url.searchParams.has('fetchXml')) return fetchXmlQuery(ctx, entity, req);
  const opts = parseQueryOptions(entity, req.url.searchParams);
  if (opts.deltaToken !== undefined || ctx.prefs.trackChanges) {
    return trackedRead(ctx, entity, req, opts);
  }
  const params = new Params(1);
  const where = whereOf(ctx, entity, opts, params);
  const cookie = parseCookie(opts.skipToken);
  const maxPage = ctx.prefs.maxPageSize;
  const pageSize = Math.min(maxPage ?? opts.top ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  // $top is ignored when odata.maxpagesize is sent; with $top alone there is no next page.
  const paging = maxPage !== undefined || opts.top === undefined;
  const q = ctx.tx ?? ctx.db;
  const rows = await selectRecords(
    q,
    entity.logicalName,
    where,
    orderOf(entity, opts),
    params.values,
    pageSize + 1,
    (cookie.page - 1) * pageSize,
    storedKeys(ctx, entity, opts),
  );
  const more = paging && rows.length > pageSize;
  const page = rows.slice(0, pageSize);
  const body: Record<string, unknown> = {
    '@odata.context': collectionContext(ctx, entity, opts.select),
  };
  if (opts.count) {
    const n = await countRecords(q, entity.logicalName, where, params.values, MAX_PAGE_SIZE);
    body['@odata.count'] = Math.min(n, MAX_PAGE_SIZE);
    if (wantsAnnotation(ctx.prefs, 'Microsoft.Dynamics.CRM.totalrecordcount')) {
      body['@Microsoft.Dynamics.CRM.totalrecordcount'] = Math.min(n, MAX_PAGE_SIZE);
      body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = n > MAX_PAGE_SIZE;
    }
  } else if (wantsAnnotation(ctx.prefs, 'Microsoft.Dynamics.CRM.totalrecordcount')) {
    body['@Microsoft.Dynamics.CRM.totalrecordcount'] = -1;
    body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = false;
  }
  body.value = await serializeRecords(
    q,
    entity,
    page,
    ctx.prefs,
    opts.select,
    opts.expand,
    ctx.now,
  );
  if (more) {
    body['@odata.nextLink'] = linkWith(req, '$skiptoken', cookieText({ page: cookie.page + 1 }));
  }
  const applied = [
    ...(maxPage !== undefined ? [`odata.maxpagesize=${maxPage}`] : []),
    ...(ctx.prefs.annotations.length
      ? [`odata.include-annotations="${ctx.prefs.annotations.join(',')}"`]
      : []),
  ];
  return jsonResponse(200, body, applied.length ? { 'Preference-Applied': applied.join(',') } : {});
}

/** Change tracking: the first read (all rows plus a delta link) or the changes since a token. */
async function trackedRead(
  ctx: RequestContext,
  entity: EntityDef,
  req: ApiRequest,
  opts: QueryOptions,
): Promise<ApiResponse> {
  if (!entity.changeTracking) {
    throw queryError(`Entity '${entity.logicalName}' is not enabled for change tracking.`);
  }
  for (const [name, used] of [
    ['$filter', opts.filter],
    ['$orderby', opts.orderBy.length > 0],
    ['$expand', opts.expand.length > 0],
    ['$top', opts.top !== undefined],
  ] as const) {
    if (used) {
      throw queryError(`The query parameter ${name} is not supported with change tracking.`);
    }
  }
  const pageSize = Math.min(ctx.prefs.maxPageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const select = opts.select;
  const keys = storedKeys(ctx, entity, opts);
  const headers = { 'Preference-Applied': 'odata.track-changes' };
  return ctx.db.transaction(async (q) => {
    if (opts.deltaToken !== undefined) {
      // Versions are row versions (bigint); a token with more digits than any version is not ours.
      const since = /^(\d{1,15})(?!\d)/.exec(opts.deltaToken);
      if (!since) throw queryError(`The delta token '${opts.deltaToken}' is not valid.`);
      // Pages of a delta keep the version it was read up to, and continue after the last row.
      const cookie = parseCookie(opts.skipToken);
      const upTo = cookie.delta ?? (await currentVersion(q));
      const from = Math.max(Number(since[1]), cookie.after ?? 0);
      const changed = await changedSince(q, entity.logicalName, from, upTo, pageSize + 1, keys);
      const more = changed.length > pageSize;
      const page = changed.slice(0, pageSize);
      const value = await serializeRecords(q, entity, page, ctx.prefs, select);
      const body: Record<string, unknown> = {
        '@odata.context': `${collectionContext(ctx, entity, select)}/$delta`,
        value,
      };
      if (more) {
        const after = page[page.length - 1]!.version;
        body['@odata.nextLink'] = linkWith(
          req,
          '$skiptoken',
          cookieText({ page: cookie.page + 1, delta: upTo, after }),
        );
        return jsonResponse(200, body, headers);
      }
      // New and updated rows first, then deletions (as RetrieveEntityChanges orders them).
      for (const id of await deletedSince(q, entity.logicalName, Number(since[1]), upTo)) {
        value.push({
          '@odata.context': `${ctx.apiUrl}$metadata#${entity.entitySet}/$deletedEntity`,
          id,
          reason: 'deleted',
        });
      }
      body['@odata.deltaLink'] = linkWith(req, '$deltatoken', deltaTokenText(upTo, ctx.now), [
        '$skiptoken',
      ]);
      return jsonResponse(200, body, headers);
    }
    const cookie = parseCookie(opts.skipToken);
    const token = cookie.delta ?? (await currentVersion(q));
    // The snapshot goes through the table in id order, along its primary key; `+ 0` keeps the
    // version index out of it. With statistics taken before a bulk load (110,000 accounts where
    // they said 1,876), PostgreSQL read every row by version and sorted them all for each page:
    // quadratic, 300–500 ms a page at 100,000.
    const rows: StoredRecord[] = await selectRecords(
      q,
      entity.logicalName,
      cookie.last ? 'r.version_number + 0 <= $2 AND r.id > $3::uuid' : 'r.version_number + 0 <= $2',
      'r.id',
      cookie.last ? [token, cookie.last] : [token],
      pageSize + 1,
      0,
      keys,
    );
    const body: Record<string, unknown> = {
      '@odata.context': collectionContext(ctx, entity, select),
      value: await serializeRecords(q, entity, rows.slice(0, pageSize), ctx.prefs, select),
    };
    if (rows.length > pageSize) {
      body['@odata.nextLink'] = linkWith(
        req,
        '$skiptoken',
        cookieText({ page: cookie.page + 1, delta: token, last: rows[pageSize - 1]!.id }),
      );
    } else {
      body['@odata.deltaLink'] = linkWith(req, '$deltatoken', deltaTokenText(token, ctx.now), [
        '$skiptoken',
      ]);
    }
    return jsonResponse(200, body, headers);
  });
}

/** `GET <set>/$count`: the number of rows as plain text (capped at 5,000 as Dataverse does). */
export async function countCollection(
  ctx: RequestContext,
  entity: EntityDef,
  req: ApiRequest,
): Promise<ApiResponse> {
  const opts = parseQueryOptions(entity, req.url.searchParams);
  const params = new Params(1);
  const where = whereOf(ctx, entity, opts, params);
  const n = await countRecords(
    ctx.tx ?? ctx.db,
    entity.logicalName,
    where,
    params.values,
    MAX_PAGE_SIZE,
  );
  return {
    status: 200,
    headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' },
    body: String(Math.min(n, MAX_PAGE_SIZE)),
  };
}
