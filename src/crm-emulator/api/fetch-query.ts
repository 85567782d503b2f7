import type { EntityDef } from '../catalogue/index.ts';
import { navigations } from '../catalogue/index.ts';
import { badRequest } from '../errors.ts';
import { orderSql } from '../odata/columns-sql.ts';
import { parseFetchXml } from '../odata/fetchxml.ts';
import { filterToSql, Params } from '../odata/filter-sql.ts';
import { countRecords, selectRecords } from '../store/records.ts';
import { serializeRecords } from './serialize.ts';
import { type ApiRequest, type ApiResponse, jsonResponse, type RequestContext } from './types.ts';

/** The '.' of `alias.column` as OData property names encode it (Dataverse answers `pc_x002e_lastname`). */
const ALIAS_DOT = '_x002e_';

/** Most rows one FetchXML page returns (Dataverse's limit too). */
const MAX_FETCH_PAGE = 5000;

/** The annotation value Dataverse answers with: the cookie of the page after this one. */
function pagingCookie(entity: EntityDef, page: number, first: string, last: string): string {
  const inner = `<cookie page="${page}"><${entity.primaryKey} last="{${last.toUpperCase()}}" first="{${first.toUpperCase()}}" /></cookie>`;
  return `<cookie pagenumber="${page + 1}" pagingcookie="${encodeURIComponent(encodeURIComponent(inner))}" istracking="False" />`;
}

/**
 * `GET <set>?fetchXml=…`: the FetchXML subset translated to the `$filter` syntax tree and run
 * through the same SQL translation as `$filter`. Pages by `count`/`page` (the paging cookie is
 * accepted; pages are by position, as Dataverse pages when the cookie is absent), answering
 * `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` and `morerecords` while more rows follow.
 */
export async function fetchXmlQuery(
  ctx: RequestContext,
  entity: EntityDef,
  req: ApiRequest,
): Promise<ApiResponse> {
  for (const key of req.url.searchParams.keys()) {
    if (key !== 'fetchXml' && !key.startsWith('@'))
      throw badRequest(`The query parameter ${key} cannot be combined with fetchXml.`);
  }
  const query = parseFetchXml(entity, req.url.searchParams.get('fetchXml') ?? '', MAX_FETCH_PAGE);
  const params = new Params(1);
  const where = query.filter
    ? filterToSql({ entity, params, userId: ctx.caller.systemUserId, now: ctx.now }, query.filter)
    : 'true';
  const size = query.top ?? query.count ?? MAX_FETCH_PAGE;
  const q = ctx.tx ?? ctx.db;
  const rows = await selectRecords(
    q,
    entity.logicalName,
    where,
    orderSql(entity, query.orderBy),
    params.values,
    size + 1,
    query.top === undefined ? (query.page - 1) * size : 0,
  );
  const more = query.top === undefined && rows.length > size;
  const page = rows.slice(0, size);
  const value = await serializeRecords(q, entity, page, ctx.prefs, query.select);
  for (const link of query.links) {
    const column = navigations(entity).get(link.navigation)![0]!.column;
    const ids = [
      ...new Set(page.map((r) => r.data[`_${column}_value`]).filter((v) => typeof v === 'string')),
    ];
    const linked = ids.length
      ? await selectRecords(
          q,
          link.target.logicalName,
          'r.id = ANY($2::uuid[])',
          'r.id',
          [ids],
          ids.length,
          0,
        )
      : [];
    const shaped = await serializeRecords(q, link.target, linked, ctx.prefs, link.select);
    const byId = new Map(linked.map((r, i) => [r.id, shaped[i]!]));
    page.forEach((r, i) => {
      const row = byId.get(r.data[`_${column}_value`] as string);
      if (!row) return;
      for (const [k, v] of Object.entries(row)) {
        if (!k.startsWith('@')) value[i]![`${link.alias}${ALIAS_DOT}${k}`] = v;
      }
    });
  }
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.apiUrl}$metadata#${entity.entitySet}${query.select ? `(${query.select.join(',')})` : ''}`,
  };
  if (query.returnTotalRecordCount) {
    const n = await countRecords(q, entity.logicalName, where, params.values, MAX_FETCH_PAGE);
    body['@Microsoft.Dynamics.CRM.totalrecordcount'] = Math.min(n, MAX_FETCH_PAGE);
    body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = n > MAX_FETCH_PAGE;
  }
  if (more) {
    body['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'] = pagingCookie(
      entity,
      query.page,
      page[0]!.id,
      page[page.length - 1]!.id,
    );
    body['@Microsoft.Dynamics.CRM.morerecords'] = true;
  }
  body.value = value;
  return jsonResponse(200, body);
}
