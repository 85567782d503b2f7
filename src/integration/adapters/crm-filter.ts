import { odataString } from '../../dataverse/index.ts';
import type { FilterCondition } from '../../sync/model.ts';
import type { CrmEntityInfo } from './crm-catalogue.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A mapping's filter condition as an OData `$filter` term (lookups as `_x_value`). */
export function odataCondition(e: CrmEntityInfo, c: FilterCondition): string {
  const column = e.lookups[c.field] ? `_${c.field}_value` : c.field;
  const literal = (v: unknown): string =>
    typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : GUID.test(String(v)) && e.lookups[c.field]
        ? String(v)
        : odataString(String(v));
  switch (c.op) {
    case 'eq':
      return `${column} eq ${literal(c.value)}`;
    case 'ne':
      return `${column} ne ${literal(c.value)}`;
    case 'empty':
      return `${column} eq null`;
    case 'notEmpty':
      return `${column} ne null`;
    case 'in':
      return `(${(c.value as unknown[]).map((v) => `${column} eq ${literal(v)}`).join(' or ')})`;
    case 'startsWith':
      return `startswith(${column},${literal(c.value)})`;
    default:
      return failureLiteral(c.op);
  }
}

const failureLiteral = (op: never): never => {
  throw new Error(`Unsupported filter operator ${String(op)}`);
};
