import { assertUnreachable } from '../../shared/assert-unreachable.ts';
import { Dec } from '../../shared/money.ts';
import type { FilterCondition, Transformation } from '../model.ts';
import type { CrmLookupValue } from '../ports.ts';

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** Empty for synchronization purposes: null, undefined, '' (BC treats blank and missing alike). */
export const isEmpty = (v: unknown): boolean => v === null || v === undefined || v === '';

const isLookup = (v: unknown): v is CrmLookupValue =>
  typeof v === 'object' && v !== null && 'lookupEntity' in v;

/** A comparable form: numbers exactly, lookups by id, dates by their instant, text as is. */
function normalise(v: unknown): string {
  if (isEmpty(v)) return '';
  if (isLookup(v)) return v.id ?? '';
  if (typeof v === 'number' || (typeof v === 'string' && NUMERIC.test(v)))
    return new Dec(v as string | number).toString();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return new Date(v).toISOString();
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** True when two values are the same for synchronization (so nothing needs writing). */
export const sameValue = (a: unknown, b: unknown): boolean => normalise(a) === normalise(b);

/** Applies a text transformation rule. */
export function transform(v: unknown, rule: Transformation | undefined): unknown {
  if (!rule || typeof v !== 'string') return v;
  switch (rule) {
    case 'uppercase':
      return v.toUpperCase();
    case 'lowercase':
      return v.toLowerCase();
    case 'trim':
      return v.trim();
  }
}

/** A constant as typed as it reads: numbers, booleans, or text. */
export function constantValue(text: string): unknown {
  if (NUMERIC.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** True when a record's values satisfy every condition of a filter. */
export function matchesFilter(
  values: Readonly<Record<string, unknown>>,
  filter: readonly FilterCondition[],
): boolean {
  return filter.every((c) => {
    const v = values[c.field];
    switch (c.op) {
      case 'eq':
        return sameValue(v, c.value) || (c.value === false && isEmpty(v));
      case 'ne':
        return !sameValue(v, c.value);
      case 'empty':
        return isEmpty(v) || v === false;
      case 'notEmpty':
        return !isEmpty(v) && v !== false;
      case 'in':
        return Array.isArray(c.value) && c.value.some((x) => sameValue(v, x));
      case 'startsWith':
        return typeof v === 'string' && v.toLowerCase().startsWith(String(c.value).toLowerCase());
      default:
        return assertUnreachable(c.op, 'filter operator');
    }
  });
}
