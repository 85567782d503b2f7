import { failure, ok, type Result } from '../../shared/result.ts';
import type { EntityDef, FieldDef } from '../catalog/field-types.ts';
import { filterToSql, parseErpFilter } from './filter-to-sql.ts';

/** List options as the API receives them (OData system query options). */
export interface ListQuery {
  readonly filter?: string;
  readonly top?: number;
  readonly skip?: number;
  readonly orderby?: string;
  readonly select?: string;
}

/** A row as the API shows it: camelCase fields plus the ETag source. */
export type ApiRecord = Record<string, unknown> & { readonly id: string };

export const MAX_TOP = 20_000;

const fieldMaps = new WeakMap<EntityDef, Map<string, FieldDef>>();

/** The entity's fields by API name. */
export function fieldMap(def: EntityDef): Map<string, FieldDef> {
  let m = fieldMaps.get(def);
  if (!m) {
    m = new Map(def.fields.map((x) => [x.name, x]));
    fieldMaps.set(def, m);
  }
  return m;
}

/** The SELECT list of an entity (all fields or the `$select`ed ones, always with id and change_seq). */
export function selectList(def: EntityDef, select?: readonly FieldDef[]): string {
  const fields = select ?? def.fields;
  const cols = fields.map((x) => `${x.sql} AS "${x.name}"`);
  if (!fields.some((x) => x.name === 'id')) cols.unshift('t.id AS "id"');
  cols.push('t.change_seq AS "@changeSeq"');
  return cols.join(', ');
}

/** Builds the WHERE/ORDER/LIMIT parts of a list query; extra conditions are ANDed in. */
export function buildListSql(
  def: EntityDef,
  q: ListQuery,
  extra: { sql: string; params: unknown[] } = { sql: '', params: [] },
): Result<{ text: string; params: unknown[]; countText: string; countParams: unknown[] }> {
  const fields = fieldMap(def);
  const params = [...extra.params];
  const conditions: string[] = [];
  if (def.where) conditions.push(def.where);
  if (extra.sql) conditions.push(extra.sql);
  if (q.filter !== undefined && q.filter.trim() !== '') {
    const ast = parseErpFilter(q.filter);
    if (!ast.ok) return ast;
    const sql = filterToSql(ast.value, fields, params);
    if (!sql.ok) return sql;
    conditions.push(sql.value);
  }
  let select: FieldDef[] | undefined;
  if (q.select) {
    select = [];
    for (const name of q.select.split(',').map((s) => s.trim())) {
      const fd = fields.get(name);
      if (!fd) return failure('invalid_query', `Unknown field "${name}" in $select`);
      select.push(fd);
    }
  }
  const order: string[] = [];
  if (q.orderby) {
    for (const part of q.orderby.split(',')) {
      const m = /^\s*([A-Za-z][A-Za-z0-9]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
      const fd = m && fields.get(m[1]!);
      if (!m || !fd || fd.type === 'json')
        return failure('invalid_query', `Cannot order by "${part.trim()}"`);
      order.push(`${fd.sql} ${m[2]?.toLowerCase() === 'desc' ? 'DESC' : 'ASC'}`);
    }
  }
  order.push(def.defaultOrder, 't.id');
  const top = q.top ?? MAX_TOP;
  if (!Number.isInteger(top) || top < 0 || top > MAX_TOP)
    return failure('invalid_query', `$top must be a whole number from 0 to ${MAX_TOP}`);
  const skip = q.skip ?? 0;
  if (!Number.isInteger(skip) || skip < 0)
    return failure('invalid_query', '$skip must be a whole number ≥ 0');
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  const countParams = [...params];
  params.push(top, skip);
  const text =
    `SELECT ${selectList(def, select)} FROM ${def.table} t${where}` +
    ` ORDER BY ${order.join(', ')} LIMIT $${params.length - 1} OFFSET $${params.length}`;
  return ok({
    text,
    params,
    countText: `SELECT count(*)::int AS n FROM ${def.table} t${where}`,
    countParams,
  });
}
