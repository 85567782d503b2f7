import { isValidIsoDate, isValidIsoDateOrDateTime } from '../../shared/calendar.ts';
import type { FilterNode, Literal, Operand } from '../../shared/odata-filter/ast.ts';
import {
  collectionNavigations,
  type EntityDef,
  mustEntity,
  navigations,
} from '../catalogue/index.ts';
import { queryError } from '../errors.ts';
import { type ColumnSql, columnSql } from './columns-sql.ts';

/** Collects bound parameters; `$n` numbering continues after the ones already taken. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly offset: number) {}
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.offset + this.values.length}${cast ? `::${cast}` : ''}`;
  }
}

export interface FilterContext {
  readonly entity: EntityDef;
  readonly params: Params;
  readonly userId: string;
  readonly now: Date;
  /** The row alias conditions read (`r` at the top; a lambda's related rows get their own). */
  readonly alias?: string;
  /** Inside a lambda predicate: its variable, the first segment of every property path. */
  readonly variable?: string;
}

const SQL_OP = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/**
 * A property of the row, or of the row a single-valued navigation property points at
 * (`primarycontactid/fullname`): then `wrap` puts the condition in an EXISTS over the target.
 */
function prop(
  ctx: FilterContext,
  fullPath: readonly string[],
): { col: ColumnSql; wrap: (c: string) => string } {
  const path = ownPath(ctx, fullPath);
  const alias = ctx.alias ?? 'r';
  if (path.length === 1) return { col: columnSql(ctx.entity, path[0]!, alias), wrap: (c) => c };
  const navs = path.length === 2 ? navigations(ctx.entity).get(path[0]!) : undefined;
  const nav = navs?.length === 1 ? navs[0] : undefined;
  if (!nav) {
    throw queryError(
      `The navigation path '${path.join('/')}' is not supported in $filter on '${ctx.entity.logicalName}'.`,
    );
  }
  const target = mustEntity(nav.target);
  const col = columnSql(target, path[1]!, 't');
  const entityParam = ctx.params.add(nav.target);
  return {
    col,
    wrap: (c) =>
      `EXISTS (SELECT 1 FROM crm.records t WHERE t.entity = ${entityParam} AND t.id::text = (${alias}.data->>'_${nav.column}_value') AND ${c})`,
  };
}

/** A path inside a lambda predicate starts with the lambda's variable, which is stripped. */
function ownPath(ctx: FilterContext, path: readonly string[]): readonly string[] {
  if (!ctx.variable) return path;
  if (path[0] !== ctx.variable || path.length < 2) {
    throw queryError(
      `The property '${path.join('/')}' must start with the lambda variable '${ctx.variable}'.`,
    );
  }
  return path.slice(1);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Longest span of the LastXDays/NextXDays functions: keeps every bound a storable date. */
const MAX_DAYS = 100_000;

const validTemporal = (col: ColumnSql, v: string): boolean =>
  col.cast === 'date'
    ? isValidIsoDate(v.slice(0, 10)) && isValidIsoDateOrDateTime(v)
    : isValidIsoDateOrDateTime(v);

const invalidValue = (v: string, col: ColumnSql) =>
  queryError(`'${v}' is not a valid value for '${col.wire}' (${col.def.type}).`);

function literalValue(col: ColumnSql, lit: Literal): unknown {
  if (lit.type === 'null') return null;
  const v = lit.value;
  switch (col.cast) {
    case 'numeric':
      if (lit.type !== 'number') break;
      return v;
    case 'boolean':
      if (lit.type !== 'boolean') break;
      return v;
    case 'timestamptz':
    case 'date':
      if (lit.type !== 'datetime' && lit.type !== 'date' && lit.type !== 'string') break;
      if (!validTemporal(col, String(v))) throw invalidValue(String(v), col);
      return v;
    case 'uuid':
      if (lit.type !== 'guid') break;
      return v;
    case '':
      if (col.def.type === 'guid' || col.def.type === 'lookup') {
        if (lit.type !== 'guid' && lit.type !== 'string') break;
        return String(v).toLowerCase();
      }
      if (lit.type === 'string') return v;
      break;
  }
  throw queryError(
    `A binary operator with incompatible types was detected. Found operand types '${col.def.type}' and '${lit.type}' for property '${col.wire}'.`,
  );
}

function compare(ctx: FilterContext, op: keyof typeof SQL_OP, l: Operand, r: Operand): string {
  if (l.kind === 'literal' && r.kind === 'property') {
    const flipped = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' } as const;
    return compare(ctx, flipped[op], r, l);
  }
  if (l.kind !== 'property') throw queryError('A comparison needs a property on one side.');
  const { col, wrap } = prop(ctx, l.path);
  if (r.kind === 'property') {
    const rightPath = ownPath(ctx, r.path);
    if (ownPath(ctx, l.path).length > 1 || rightPath.length > 1) {
      throw queryError('Comparing two columns works on columns of the same row only.');
    }
    const other = columnSql(ctx.entity, rightPath[0]!, ctx.alias ?? 'r');
    return `${col.text ? `lower(${col.sql})` : col.sql} ${SQL_OP[op]} ${other.text ? `lower(${other.sql})` : other.sql}`;
  }
  const value = literalValue(col, r);
  if (value === null) {
    if (op === 'eq') return wrap(`${col.sql} IS NULL`);
    if (op === 'ne') return wrap(`${col.sql} IS NOT NULL`);
    throw queryError(`The operator '${op}' cannot compare with null.`);
  }
  const param = ctx.params.add(value, col.cast);
  // Dataverse string comparisons are case-insensitive.
  const left = col.text ? `lower(${col.sql})` : col.sql;
  const right = col.text ? `lower(${param})` : param;
  return wrap(`${left} ${SQL_OP[op]} ${right}`);
}

function textFunction(ctx: FilterContext, node: Extract<FilterNode, { kind: 'text' }>): string {
  const { col, wrap } = prop(ctx, node.property.path);
  if (!col.text || node.value.type !== 'string') {
    throw queryError(`The function '${node.fn}' needs a string property and a string value.`);
  }
  // SQL-style wildcards in the value are honoured, as Dataverse does.
  const v = node.value.value;
  const pattern = node.fn === 'contains' ? `%${v}%` : node.fn === 'startswith' ? `${v}%` : `%${v}`;
  return wrap(`lower(${col.sql}) LIKE lower(${ctx.params.add(pattern)})`);
}

const dayStart = (d: Date, plusDays = 0) => {
  const x = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  x.setUTCDate(x.getUTCDate() + plusDays);
  return x.toISOString();
};

function crmFunction(
  ctx: FilterContext,
  node: Extract<FilterNode, { kind: 'queryFunction' }>,
): string {
  const col = columnSql(ctx.entity, node.property, ctx.alias ?? 'r');
  const fn = node.name;
  const value = (i: number): unknown => {
    const raw = node.values[i];
    if (raw === undefined) throw queryError(`The function '${fn}' needs more values.`);
    if (col.cast === 'numeric' && !Number.isFinite(Number(raw))) throw invalidValue(raw, col);
    if ((col.cast === 'timestamptz' || col.cast === 'date') && !validTemporal(col, raw))
      throw invalidValue(raw, col);
    if (col.cast === 'uuid' && !GUID.test(raw)) throw invalidValue(raw, col);
    return col.def.type === 'lookup' || col.def.type === 'guid' ? raw.toLowerCase() : raw;
  };
  const dateValue = (i: number): string => {
    const raw = node.values[i];
    if (raw === undefined) throw queryError(`The function '${fn}' needs more values.`);
    if (!isValidIsoDateOrDateTime(raw)) throw invalidValue(raw, col);
    return raw;
  };
  const p = (i: number) => ctx.params.add(value(i), col.cast);
  const c = col.text ? `lower(${col.sql})` : col.sql;
  const list = () => {
    if (node.values.length === 0) throw queryError(`The function '${fn}' needs values.`);
    return node.values.map((_, i) => (col.text ? `lower(${p(i)})` : p(i))).join(', ');
  };
  const days = () => {
    const raw = node.values[0] ?? '';
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n > MAX_DAYS)
      throw queryError(`The function '${fn}' needs a whole number of days from 0 to ${MAX_DAYS}.`);
    return n;
  };
  switch (fn) {
    case 'In':
      return `${c} IN (${list()})`;
    case 'NotIn':
      return `(${col.sql} IS NULL OR ${c} NOT IN (${list()}))`;
    case 'Between':
      return `${col.sql} BETWEEN ${p(0)} AND ${p(1)}`;
    case 'NotBetween':
      return `${col.sql} NOT BETWEEN ${p(0)} AND ${p(1)}`;
    case 'Null':
      return `${col.sql} IS NULL`;
    case 'NotNull':
      return `${col.sql} IS NOT NULL`;
    case 'On':
      return `${col.sql}::date = ${ctx.params.add(dateValue(0), 'date')}`;
    case 'OnOrAfter':
      return `${col.sql}::date >= ${ctx.params.add(dateValue(0), 'date')}`;
    case 'OnOrBefore':
      return `${col.sql}::date <= ${ctx.params.add(dateValue(0), 'date')}`;
    case 'Today':
      return `${col.sql} >= ${ctx.params.add(dayStart(ctx.now), 'timestamptz')} AND ${col.sql} < ${ctx.params.add(dayStart(ctx.now, 1), 'timestamptz')}`;
    case 'LastXDays':
      return `${col.sql} >= ${ctx.params.add(dayStart(ctx.now, -days()), 'timestamptz')} AND ${col.sql} <= ${ctx.params.add(ctx.now.toISOString(), 'timestamptz')}`;
    case 'NextXDays':
      return `${col.sql} >= ${ctx.params.add(ctx.now.toISOString(), 'timestamptz')} AND ${col.sql} < ${ctx.params.add(dayStart(ctx.now, days() + 1), 'timestamptz')}`;
    case 'EqualUserId':
      return `${col.sql} = ${ctx.params.add(ctx.userId)}`;
    case 'NotEqualUserId':
      return `(${col.sql} IS NULL OR ${col.sql} <> ${ctx.params.add(ctx.userId)})`;
    default:
      throw queryError(`The query function 'Microsoft.Dynamics.CRM.${fn}' is not supported.`);
  }
}

/** Translates a `$filter` AST into a SQL condition over `crm.records r`. */
export function filterToSql(ctx: FilterContext, node: FilterNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${filterToSql(ctx, node.left)} ${node.kind.toUpperCase()} ${filterToSql(ctx, node.right)})`;
    case 'not':
      return `NOT COALESCE(${filterToSql(ctx, node.operand)}, false)`;
    case 'compare':
      return `(${compare(ctx, node.op, node.left, node.right)})`;
    case 'text':
      return `(${textFunction(ctx, node)})`;
    case 'queryFunction':
      return `(${crmFunction(ctx, node)})`;
    case 'lambda':
      return `(${lambda(ctx, node)})`;
  }
}

/**
 * `contact_customer_accounts/any(c: c/fullname eq 'x')`, `…/all(c: …)`, `…/any()`: the related
 * rows of a collection-valued navigation property (rows of the target whose lookup points here).
 * `all` is true when no related row fails the predicate (so also when there are none), as in OData.
 */
function lambda(ctx: FilterContext, node: Extract<FilterNode, { kind: 'lambda' }>): string {
  const path = ownPath(ctx, node.collection);
  const nav = path.length === 1 ? collectionNavigations(ctx.entity).get(path[0]!) : undefined;
  if (!nav) {
    throw queryError(
      `'${node.collection.join('/')}' is not a collection-valued navigation property of '${ctx.entity.logicalName}'; lambda operators need one.`,
    );
  }
  const outer = ctx.alias ?? 'r';
  const alias = `${outer}l`;
  const related = `SELECT 1 FROM crm.records ${alias} WHERE ${alias}.entity = ${ctx.params.add(nav.target)} AND (${alias}.data->>'_${nav.column}_value') = ${outer}.id::text`;
  if (!node.predicate) {
    if (node.op === 'all') throw queryError('The lambda operator all needs a predicate.');
    return `EXISTS (${related})`;
  }
  const inner = filterToSql(
    { ...ctx, entity: mustEntity(nav.target), alias, variable: node.variable },
    node.predicate,
  );
  return node.op === 'any'
    ? `EXISTS (${related} AND ${inner})`
    : `NOT EXISTS (${related} AND NOT COALESCE(${inner}, false))`;
}
