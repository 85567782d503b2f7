import type { Db } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { apiEntity } from '../catalog/catalog.ts';
import type { NavigationDef } from '../catalog/field-types.ts';
import { navigationOf } from '../catalog/navigation.ts';
import type { ApiRecord, ListQuery } from '../query/list-query.ts';
import { listRecords } from '../records/record-store.ts';

/** One `$expand` item: a navigation property with its own query options (nested `$expand` too). */
export interface ExpandItem {
  readonly nav: NavigationDef;
  readonly query: ListQuery;
  readonly expand: readonly ExpandItem[];
}

/** Splits at `sep` outside parentheses and quotes. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const NESTED = ['$select', '$filter', '$orderby', '$top', '$skip', '$expand'] as const;

/**
 * Parses `$expand` as OData writes it: `salesOrderLines($select=a,b;$filter=…;$top=5),customer`,
 * against the navigation properties of the entity set (BC API v2.0 names).
 */
export function parseExpand(set: string, text: string | undefined): Result<ExpandItem[]> {
  if (!text) return ok([]);
  const items: ExpandItem[] = [];
  for (const part of splitTop(text, ',')) {
    const m = /^([A-Za-z][A-Za-z0-9]*)(?:\((.*)\))?$/s.exec(part);
    const nav = m && navigationOf(set).find((n) => n.name === m[1]);
    if (!m || !nav)
      return failure(
        'invalid_query',
        `Cannot expand "${part}" on ${set}; it has ${
          navigationOf(set)
            .map((n) => n.name)
            .join(', ') || 'no navigation properties'
        }`,
      );
    const options: Record<string, string> = {};
    for (const option of splitTop(m[2] ?? '', ';')) {
      const eq = option.indexOf('=');
      const name = option.slice(0, eq).trim();
      if (eq < 0 || !(NESTED as readonly string[]).includes(name))
        return failure('invalid_query', `Unsupported option "${option}" in $expand=${m[1]}(…)`);
      options[name] = option.slice(eq + 1).trim();
    }
    const int = (k: string) => (options[k] === undefined ? undefined : Number(options[k]));
    for (const k of ['$top', '$skip'])
      if (options[k] !== undefined && !/^\d{1,9}$/.test(options[k]!))
        return failure('invalid_query', `${k} in $expand must be a whole number`);
    if (nav.kind === 'one' && (options['$filter'] || options['$top'] || options['$orderby']))
      return failure(
        'invalid_query',
        `${nav.name} is a single record: only $select and $expand apply`,
      );
    const nested = parseExpand(nav.target, options['$expand']);
    if (!nested.ok) return nested;
    items.push({
      nav,
      query: {
        select: options['$select'],
        filter: options['$filter'],
        orderby: options['$orderby'],
        top: int('$top'),
        skip: int('$skip'),
      },
      expand: nested.value,
    });
  }
  return ok(items);
}

/** Adds the expanded navigation properties to records (one query per property and level). */
export async function expandRecords(
  db: Db,
  records: ApiRecord[],
  items: readonly ExpandItem[],
): Promise<Result<ApiRecord[]>> {
  if (records.length === 0 || items.length === 0) return ok(records);
  let out = records.map((r) => ({ ...r }) as ApiRecord);
  for (const { nav, query, expand } of items) {
    const target = apiEntity(nav.target);
    if (nav.kind === 'one') {
      const ids = [...new Set(out.map((r) => r[nav.field]).filter((v) => typeof v === 'string'))];
      const select = query.select ? withField(query.select, 'id') : undefined;
      const rows = await listRecords(
        db,
        target,
        { select },
        { sql: 't.id = ANY($1::uuid[])', params: [ids] },
      );
      if (!rows.ok) return rows;
      const more = await expandRecords(db, rows.value, expand);
      if (!more.ok) return more;
      const byId = new Map(more.value.map((r) => [r.id, r]));
      out = out.map((r) => ({ ...r, [nav.name]: byId.get(r[nav.field] as string) ?? null }));
    } else {
      const fk = target.fields.find((f) => f.name === nav.foreignKey)!;
      const select = query.select ? withField(query.select, nav.foreignKey) : undefined;
      const rows = await listRecords(
        db,
        target,
        { ...query, select, top: undefined, skip: undefined },
        { sql: `${fk.sql} = ANY($1::uuid[])`, params: [out.map((r) => r.id)] },
      );
      if (!rows.ok) return rows;
      const more = await expandRecords(db, rows.value, expand);
      if (!more.ok) return more;
      const skip = query.skip ?? 0;
      out = out.map((r) => {
        const mine = more.value.filter((x) => x[nav.foreignKey] === r.id);
        const page = mine.slice(skip, query.top === undefined ? undefined : skip + query.top);
        return {
          ...r,
          [nav.name]: query.select ? page.map((x) => pick(x, query.select!)) : page,
        };
      });
    }
  }
  return ok(out);
}

const withField = (select: string, field: string) =>
  select.split(',').some((s) => s.trim() === field) ? select : `${select},${field}`;

/** Keeps the `$select`ed fields (plus the ETag and expanded properties) of a record. */
function pick(record: ApiRecord, select: string): ApiRecord {
  const keep = new Set(select.split(',').map((s) => s.trim()));
  return Object.fromEntries(
    Object.entries(record).filter(
      ([k, v]) => keep.has(k) || k === '@odata.etag' || (typeof v === 'object' && v !== null),
    ),
  ) as ApiRecord;
}
