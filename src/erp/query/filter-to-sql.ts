import { failure, ok, type Result } from '../../shared/result.ts';
import type { FieldDef, FieldType } from '../catalog/field-types.ts';
import type { FilterNode, LiteralType, Operand } from './filter-parser.ts';

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
const ACCEPTS: Record<FieldType, readonly LiteralType[]> = {
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

/**
 * Translates a filter AST into a SQL condition over the allowed fields. Values become `$n`
 * parameters appended to `params`; field names are looked up, never copied into the SQL.
 */
export function filterToSql(
  node: FilterNode,
  fields: ReadonlyMap<string, FieldDef>,
  params: unknown[],
): Result<string> {
  const field = (name: string): FieldDef => {
    const def = fields.get(name);
    if (!def || def.type === 'json')
      throw new FilterError(`Unknown or unfilterable field "${name}"`);
    return def;
  };
  const param = (value: unknown, type: FieldType) => {
    params.push(value);
    return `$${params.length}::${CAST[type]}`;
  };
  const literal = (lit: Extract<Operand, { kind: 'literal' }>, def: FieldDef): string => {
    if (!ACCEPTS[def.type].includes(lit.type))
      throw new FilterError(
        `Field "${def.name}" (${def.type}) cannot be compared with a ${lit.type}`,
      );
    const v = lit.value!;
    if (def.type === 'guid' && !GUID.test(v)) throw new FilterError(`"${v}" is not a GUID`);
    if (def.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v))
      throw new FilterError(`"${v}" is not a date (yyyy-mm-dd)`);
    if ((def.type === 'date' || def.type === 'datetime') && Number.isNaN(Date.parse(v)))
      throw new FilterError(`"${v}" is not a valid date`);
    if (def.type === 'integer' && !/^-?\d+$/.test(v))
      throw new FilterError(`Field "${def.name}" needs a whole number`);
    return param(def.type === 'boolean' ? v === 'true' : v, def.type);
  };
  const walk = (n: FilterNode): string => {
    switch (n.kind) {
      case 'and':
      case 'or':
        return `(${walk(n.left)} ${n.kind.toUpperCase()} ${walk(n.right)})`;
      case 'not':
        return `(NOT ${walk(n.operand)})`;
      case 'function': {
        const def = field(n.field);
        if (def.type !== 'string') throw new FilterError(`${n.name} needs a text field`);
        const v = param(n.value, 'string');
        if (n.name === 'contains') return `(strpos(${def.sql}, ${v}) > 0)`;
        if (n.name === 'startswith') return `starts_with(${def.sql}, ${v})`;
        return `(right(${def.sql}, length(${v})) = ${v})`;
      }
      case 'compare': {
        let { left, right } = n;
        let op = n.op;
        if (left.kind === 'literal' && right.kind === 'field') {
          [left, right] = [right, left];
          op = ({ gt: 'lt', lt: 'gt', ge: 'le', le: 'ge' } as const)[op as 'gt'] ?? op;
        }
        if (left.kind !== 'field') throw new FilterError('A comparison needs a field');
        const def = field(left.name);
        if (right.kind === 'field') {
          const other = field(right.name);
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
    }
  };
  try {
    return ok(walk(node));
  } catch (err) {
    if (err instanceof FilterError) return failure('invalid_filter', err.message);
    throw err;
  }
}
