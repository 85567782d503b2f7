import { isValidIsoDate, isValidIsoDateOrDateTime } from '../../shared/calendar.ts';
import type { FilterNode, Literal, Operand } from '../../shared/odata-filter/ast.ts';
import { type ParseOptions, parseFilter } from '../../shared/odata-filter/parse.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import type { FieldDef, FieldType } from '../catalog/field-types.ts';

const SQL_OP = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;
const CAST: Record<FieldType, string> = {
  string: 'text',
  decimal: 'numeric',
  integer: 'numeric',
  boolean: 'boolean',
  date: 'date',
  datetime: 'timestamptz',
  guid: 'uuid',
  json: 'jsonb',
};
const ACCEPTS: Record<FieldType, readonly Literal['type'][]> = {
  string: ['string'],
  decimal: ['number'],
  integer: ['number'],
  boolean: ['boolean'],
  date: ['date', 'string'],
  datetime: ['datetime', 'date', 'string'],
  guid: ['guid', 'string'],
  json: [],
};
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class FilterError extends Error {}

/** Parses a `$filter` of the ERP API (the shared OData grammar), failing with `invalid_filter`. */
export function parseErpFilter(text: string, options?: ParseOptions): Result<FilterNode> {
  const r = parseFilter(text, options);
  return r.ok ? r : failure(r.error.code, r.error.message);
}

/**
 * Translates a filter syntax tree into a SQL condition over the allowed fields. Values become
 * `$n` parameters appended to `params`; field names are looked up, never copied into the SQL.
 * The ERP API supports comparisons, and/or/not and the text functions, as Business Central does.
 */
export function filterToSql(
  node: FilterNode,
  fields: ReadonlyMap<string, FieldDef>,
  params: unknown[],
): Result<string> {
  const field = (path: readonly string[]): FieldDef => {
    const name = path.join('/');
    const def = path.length === 1 ? fields.get(name) : undefined;
    if (!def || def.type === 'json')
      throw new FilterError(`Unknown or unfilterable field "${name}"`);
    return def;
  };
  const param = (value: unknown, type: FieldType) => {
    params.push(value);
    return `$${params.length}::${CAST[type]}`;
  };
  const literal = (lit: Literal, def: FieldDef): string => {
    if (!ACCEPTS[def.type].includes(lit.type))
      throw new FilterError(
        `Field "${def.name}" (${def.type}) cannot be compared with a ${lit.type}`,
      );
    const v = String(lit.value);
    if (def.type === 'guid' && !GUID.test(v)) throw new FilterError(`"${v}" is not a GUID`);
    if (def.type === 'date' && !isValidIsoDate(v))
      throw new FilterError(`"${v}" is not a valid date (yyyy-mm-dd)`);
    if (def.type === 'datetime' && !isValidIsoDateOrDateTime(v))
      throw new FilterError(`"${v}" is not a valid date`);
    if (def.type === 'integer' && !/^-?\d+$/.test(v))
      throw new FilterError(`Field "${def.name}" needs a whole number`);
    return param(def.type === 'boolean' ? lit.value : v, def.type);
  };
  const walk = (n: FilterNode): string => {
    switch (n.kind) {
      case 'and':
      case 'or':
        return `(${walk(n.left)} ${n.kind.toUpperCase()} ${walk(n.right)})`;
      case 'not':
        return `(NOT ${walk(n.operand)})`;
      case 'text': {
        const def = field(n.property.path);
        if (def.type !== 'string') throw new FilterError(`${n.fn} needs a text field`);
        if (n.value.type !== 'string') throw new FilterError(`${n.fn} needs a string value`);
        const v = param(n.value.value, 'string');
        if (n.fn === 'contains') return `(strpos(${def.sql}, ${v}) > 0)`;
        if (n.fn === 'startswith') return `starts_with(${def.sql}, ${v})`;
        return `(right(${def.sql}, length(${v})) = ${v})`;
      }
      case 'compare': {
        let left: Operand = n.left;
        let right: Operand = n.right;
        let op = n.op;
        if (left.kind === 'literal' && right.kind === 'property') {
          [left, right] = [right, left];
          op = ({ gt: 'lt', lt: 'gt', ge: 'le', le: 'ge' } as const)[op as 'gt'] ?? op;
        }
        if (left.kind !== 'property') throw new FilterError('A comparison needs a field');
        const def = field(left.path);
        if (right.kind === 'property') {
          const other = field(right.path);
          if (CAST[other.type] !== CAST[def.type])
            throw new FilterError(`Cannot compare "${def.name}" with "${other.name}"`);
          return `(${def.sql} ${SQL_OP[op]} ${other.sql})`;
        }
        if (right.type === 'null') {
          if (op === 'eq') return `(${def.sql} IS NULL)`;
          if (op === 'ne') return `(${def.sql} IS NOT NULL)`;
          throw new FilterError('null can only be compared with eq or ne');
        }
        return `(${def.sql} ${SQL_OP[op]} ${literal(right, def)})`;
      }
      case 'queryFunction':
        throw new FilterError(`The function "Microsoft.Dynamics.CRM.${n.name}" is not supported`);
      case 'lambda':
        throw new FilterError(`The lambda operator "${n.op}" is not supported`);
    }
  };
  try {
    return ok(walk(node));
  } catch (err) {
    if (err instanceof FilterError) return failure('invalid_filter', err.message);
    throw err;
  }
}
