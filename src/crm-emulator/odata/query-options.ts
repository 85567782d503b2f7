import { columnByWireName, type EntityDef, navigations } from '../catalogue/index.ts';
import { queryError } from '../errors.ts';
import { columnSql } from './columns-sql.ts';
import { type FilterNode, parseFilter } from './filter-parser.ts';

export interface ExpandOption {
  readonly navigation: string;
  readonly select?: string[];
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
  const out: ExpandOption[] = [];
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\(([^)]*)\))?\s*(,|$)/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m || m[0] === '') throw queryError(`Syntax error in $expand at position ${i}.`);
    i = re.lastIndex;
    const navName = m[1]!;
    const nav = navigations(entity).get(navName);
    if (!nav) {
      throw queryError(
        `Could not find a property named '${navName}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`,
      );
    }
    let select: string[] | undefined;
    for (const part of (m[3] ?? '').split(';').filter((s) => s.trim())) {
      const [k, v] = part.split('=');
      if (k?.trim() !== '$select' || !v) {
        throw queryError(`The option '${k}' is not supported inside $expand by the emulator.`);
      }
      select = v.split(',').map((s) => s.trim());
    }
    out.push({ navigation: navName, select });
  }
  return out;
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
    opts.filter = parseFilter(filter, aliases);
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
    if (!/^\d+$/.test(top) || n < 0) throw queryError(`Invalid value '${top}' for $top.`);
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
