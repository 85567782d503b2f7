import { assertUnreachable } from '../../shared/assert-unreachable.ts';
import type { FilterCondition, TableMapping } from '../model.ts';
import { isEmpty, matchesFilter } from './values.ts';

const shown = (v: unknown): string =>
  isEmpty(v) ? '(empty)' : typeof v === 'string' ? v : JSON.stringify(v);

/** A condition as users read it: `blocked empty`, `statecode = 0`, `code one of A, B`. */
export function describeCondition(c: FilterCondition): string {
  switch (c.op) {
    case 'eq':
      return `${c.field} = ${shown(c.value)}`;
    case 'ne':
      return `${c.field} ≠ ${shown(c.value)}`;
    case 'empty':
      return `${c.field} empty`;
    case 'notEmpty':
      return `${c.field} not empty`;
    case 'in':
      return `${c.field} one of ${(Array.isArray(c.value) ? c.value : []).map(shown).join(', ')}`;
    case 'startsWith':
      return `${c.field} starts with ${shown(c.value)}`;
    default:
      return assertUnreachable(c.op, 'filter operator');
  }
}

/**
 * Why a record is outside a mapping's filter on one side, naming each condition it fails and the
 * value it has (`blocked = All, the filter needs blocked empty`); undefined when it is inside.
 * Users see this where an action leaves the record alone, so it never reads as done.
 */
export function outsideFilterReason(
  m: TableMapping,
  side: 'erp' | 'crm',
  values: Readonly<Record<string, unknown>>,
): string | undefined {
  const filter = side === 'erp' ? m.erpFilter : m.crmFilter;
  const misses = filter.filter((c) => !matchesFilter(values, [c]));
  if (misses.length === 0) return undefined;
  const what = misses
    .map((c) => `${c.field} = ${shown(values[c.field])}, the filter needs ${describeCondition(c)}`)
    .join('; ');
  const system = side === 'erp' ? 'ERP' : 'Dynamics 365 Sales';
  return `outside the ${system} filter of mapping ${m.name} (${what})`;
}
