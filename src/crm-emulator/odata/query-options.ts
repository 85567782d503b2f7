import type { FilterNode } from '../../shared/odata-filter/ast.ts';
import { parseFilter } from '../../shared/odata-filter/parse.ts';
import {
  collectionNavigations,
  columnByWireName,
  type EntityDef,
  mustEntity,
  navigations,
} from '../catalogue/index.ts';
import { queryError } from '../errors.ts';
import { columnSql } from './columns-sql.ts';

export interface ExpandOption {
  readonly navigation: string;
  readonly select?: string[];
  /** Set for collection-valued navigation properties (one-to-many). */
  readonly collection?: {
    readonly target: EntityDef;
    readonly column: string;
    readonly filter?: FilterNode;
    readonly orderBy: { wire: string; desc: boolean }[];
    readonly top?: number;
  };
}

/** Splits on a separator outside parentheses and quotes. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const c of text) {
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    if (c === sep && depth === 0 && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth !== 0 || quoted) throw queryError(`Syntax error in $expand: '${text}'.`);
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/** The system query options of a request, checked against the table. */
export interface QueryOptions {
  select?: string[];
  filter?: FilterNode;
  filterText?: string;
  orderBy: { wire: string; desc: boolean }[];
  top?: number;
  count: boolean;
  expand: ExpandOption[];
  skipToken?: string;
  deltaToken?: string;
}

/** Dataverse accepts URLs up to 32,768 characters; the `$filter` cannot be longer. */
const MAX_FILTER_LENGTH = 32_768;

const KNOWN = new Set([
  '$select',
  '$filter',
  '$orderby',
  '$top',
  '$count',
  '$expand',
  '$skiptoken',
  '$deltatoken',
  '$format',
]);

/** Checks `$select` names; returns the wire names. */
export function parseSelect(entity: EntityDef, text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!columnByWireName(entity, n)) {
      throw queryError(
        `Could not find a property named '${n}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`,
      );
    }
  }
  return names;
}

function parseExpand(entity: EntityDef, text: string): ExpandOption[] {
  return splitTop(text, ',').map((item) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?$/s.exec(item);
    if (!m) throw queryError(`Syntax error in $expand: '${item}'.`);
    const navName = m[1]!;
    const many = collectionNavigations(entity).get(navName);
    if (!navigations(entity).get(navName) && !many) {
      throw queryError(
        `Could not find a property named '${navName}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`,
      );
    }
    const target = many ? mustEntity(many.target) : undefined;
    const nested = new URLSearchParams();
    for (const part of splitTop(m[2] ?? '', ';')) {
      const eq = part.indexOf('=');
      const key = part.slice(0, eq).trim();
      const allowed = many ? ['$select', '$filter', '$orderby', '$top'] : ['$select'];
      if (eq < 0 || !allowed.includes(key)) {
        throw queryError(
          `The option '${key || part}' is not supported inside $expand of '${navName}'.`,
        );
      }
      nested.set(key, part.slice(eq + 1));
    }
    if (!target || !many) {
      const select = nested.get('$select');
      const targets = navigations(entity).get(navName)!;
      return {
        navigation: navName,
        select: select
          ? targets.length === 1
            ? parseSelect(mustEntity(targets[0]!.target), select)
            : select.split(',').map((x) => x.trim())
          : undefined,
      };
    }
    const inner = parseQueryOptions(target, nested);
    return {
      navigation: navName,
      select: inner.select,
      collection: {
        target,
        column: many.column,
        filter: inner.filter,
        orderBy: inner.orderBy,
        top: inner.top,
      },
    };
  });
}

/** Parses and validates the query options of a request on a table. */
export function parseQueryOptions(entity: EntityDef, query: URLSearchParams): QueryOptions {
  const aliases = new Map<string, string>();
  for (const [k, v] of query) {
    if (k.startsWith('@')) aliases.set(k, v);
    else if (k.startsWith('$') && !KNOWN.has(k)) {
      throw queryError(
        k === '$skip'
          ? 'The query parameter $skip is not supported'
          : `The query parameter ${k} is not supported`,
      );
    }
  }
  const opts: QueryOptions = { orderBy: [], count: false, expand: [] };
  const select = query.get('$select');
  if (select !== null) opts.select = parseSelect(entity, select);
  const filter = query.get('$filter');
  if (filter !== null) {
    const parsed = parseFilter(filter, { aliases, maxLength: MAX_FILTER_LENGTH });
    if (!parsed.ok) throw queryError(parsed.error.message);
    opts.filter = parsed.value;
    opts.filterText = filter;
  }
  const orderby = query.get('$orderby');
  if (orderby) {
    for (const part of orderby.split(',')) {
      const [name, dir, extra] = part.trim().split(/\s+/);
      if (!name || extra || (dir && dir !== 'asc' && dir !== 'desc')) {
        throw queryError(`Syntax error in $orderby: '${orderby}'.`);
      }
      columnSql(entity, name);
      opts.orderBy.push({ wire: name, desc: dir === 'desc' });
    }
  }
  const top = query.get('$top');
  if (top !== null) {
    const n = Number(top);
    // $top is an Edm.Int32 in Dataverse: anything larger is not a number it reads.
    if (!/^\d{1,10}$/.test(top) || n > 2_147_483_647)
      throw queryError(`Invalid value '${top}' for $top.`);
    opts.top = n;
  }
  const count = query.get('$count');
  if (count !== null) {
    if (count !== 'true' && count !== 'false')
      throw queryError(`Invalid value '${count}' for $count.`);
    opts.count = count === 'true';
  }
  const expand = query.get('$expand');
  if (expand) opts.expand = parseExpand(entity, expand);
  opts.skipToken = query.get('$skiptoken') ?? undefined;
  opts.deltaToken = query.get('$deltatoken') ?? undefined;
  return opts;
}
