import { XMLParser } from 'fast-xml-parser';
import type { FilterNode, Literal, PropertyPath } from '../../shared/odata-filter/ast.ts';
import {
  collectionNavigations,
  type EntityDef,
  entityByName,
  navigations,
} from '../catalogue/index.ts';
import { badRequest } from '../errors.ts';

/**
 * The FetchXML subset the emulator runs, translated into the same `$filter` syntax tree the Web
 * API's `$filter` parses to (so one SQL translator serves both): attributes / all-attributes,
 * nested filters with conditions, order, top / count / page / paging-cookie,
 * returntotalrecordcount, and link-entity (inner or outer, see `LinkEntity`). Anything else is
 * refused with a 400 rather than silently ignored.
 */

/** A many-to-one link whose columns are returned as `<alias>_x002e_<column>` (`alias.column`). */
export interface LinkedColumns {
  readonly alias: string;
  /** The parent's navigation property to the linked row. */
  readonly navigation: string;
  readonly target: EntityDef;
  /** Wire names of the linked row's columns; undefined = all. */
  readonly select?: string[];
}

export interface FetchQuery {
  /** Wire names of the main table's columns; undefined = all attributes. */
  readonly select?: string[];
  readonly filter?: FilterNode;
  readonly orderBy: { wire: string; desc: boolean }[];
  readonly top?: number;
  readonly count?: number;
  readonly page: number;
  readonly returnTotalRecordCount: boolean;
  readonly links: LinkedColumns[];
}

type El = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) =>
    [
      'entity',
      'attribute',
      'all-attributes',
      'order',
      'filter',
      'condition',
      'value',
      'link-entity',
    ].includes(name),
});

const unsupported = (what: string) =>
  badRequest(`${what} is not supported by the emulator's FetchXML subset.`);

const FETCH_ATTRIBUTES = new Set([
  '@count',
  '@page',
  '@top',
  '@paging-cookie',
  '@returntotalrecordcount',
  '@mapping',
  '@version',
  '@output-format',
  '@distinct',
  '@no-lock',
]);

function allowOnly(
  el: El,
  where: string,
  attributes: readonly string[],
  children: readonly string[],
) {
  for (const key of Object.keys(el)) {
    if (key === '#text') continue;
    const allowed = key.startsWith('@')
      ? attributes.includes(key.slice(1))
      : children.includes(key);
    if (!allowed)
      throw unsupported(
        key.startsWith('@')
          ? `The attribute ${key.slice(1)} of <${where}>`
          : `<${key}> inside <${where}>`,
      );
  }
}

const list = (el: El, key: string) => (el[key] as El[] | undefined) ?? [];
const attr = (el: El, key: string) => el[`@${key}`] as string | undefined;

function wireOf(entity: EntityDef, column: string): string {
  const def = entity.columns[column];
  if (!def) {
    throw badRequest(
      `'${entity.logicalName}' entity doesn't contain attribute with Name = '${column}'.`,
    );
  }
  return def.type === 'lookup' ? `_${column}_value` : column;
}

/** A FetchXML value as the literal the column type compares with. */
function literal(entity: EntityDef, column: string, raw: string): Literal {
  const def = entity.columns[column]!;
  switch (def.type) {
    case 'integer':
    case 'bigint':
    case 'decimal':
    case 'money':
    case 'picklist':
    case 'state':
    case 'status':
      if (!/^-?\d+(\.\d+)?$/.test(raw.trim()))
        throw badRequest(`'${raw}' is not a valid number for ${column}.`);
      return { kind: 'literal', type: 'number', value: raw.trim() };
    case 'boolean':
      return {
        kind: 'literal',
        type: 'boolean',
        value: raw === '1' || raw.toLowerCase() === 'true',
      };
    case 'datetime':
      return { kind: 'literal', type: /T/.test(raw) ? 'datetime' : 'date', value: raw };
    case 'dateonly':
      return { kind: 'literal', type: 'date', value: raw.slice(0, 10) };
    case 'guid':
    case 'lookup':
      return { kind: 'literal', type: 'guid', value: raw.replace(/^\{|\}$/g, '').toLowerCase() };
    default:
      return { kind: 'literal', type: 'string', value: raw };
  }
}

const OPERATORS: Record<string, string> = {
  in: 'In',
  'not-in': 'NotIn',
  between: 'Between',
  'not-between': 'NotBetween',
  null: 'Null',
  'not-null': 'NotNull',
  on: 'On',
  'on-or-after': 'OnOrAfter',
  'on-or-before': 'OnOrBefore',
  today: 'Today',
  'last-x-days': 'LastXDays',
  'next-x-days': 'NextXDays',
  'eq-userid': 'EqualUserId',
  'ne-userid': 'NotEqualUserId',
};
const COMPARE: Record<string, 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'> = {
  eq: 'eq',
  ne: 'ne',
  neq: 'ne',
  gt: 'gt',
  ge: 'ge',
  lt: 'lt',
  le: 'le',
};

/** A condition on `entity`; `prefix` is the navigation path to it (empty for the main table). */
function condition(entity: EntityDef, el: El, prefix: readonly string[]): FilterNode {
  allowOnly(el, 'condition', ['attribute', 'operator', 'value', 'uitype', 'uiname'], ['value']);
  const column = attr(el, 'attribute') ?? '';
  const op = attr(el, 'operator') ?? '';
  const wire = wireOf(entity, column);
  const values = [
    ...(attr(el, 'value') !== undefined ? [attr(el, 'value')!] : []),
    ...list(el, 'value').map((v) => (typeof v === 'string' ? v : String((v as El)['#text'] ?? ''))),
  ];
  const property: PropertyPath = { kind: 'property', path: [...prefix, wire] };
  const compare = COMPARE[op];
  if (compare) {
    if (values.length !== 1) throw badRequest(`The condition ${column} ${op} needs one value.`);
    return {
      kind: 'compare',
      op: compare,
      left: property,
      right: literal(entity, column, values[0]!),
    };
  }
  const like = /^(not-)?(like|begins-with|ends-with)$/.exec(op);
  if (like) {
    if (values.length !== 1) throw badRequest(`The condition ${column} ${op} needs one value.`);
    let v = values[0]!;
    let fn: 'contains' | 'startswith' | 'endswith' | 'eq';
    if (like[2] === 'begins-with') fn = 'startswith';
    else if (like[2] === 'ends-with') fn = 'endswith';
    else {
      const lead = v.startsWith('%');
      const tail = v.endsWith('%') && v.length > 1;
      v = v.slice(lead ? 1 : 0, tail ? -1 : undefined);
      fn = lead && tail ? 'contains' : lead ? 'endswith' : tail ? 'startswith' : 'eq';
    }
    const node: FilterNode =
      fn === 'eq'
        ? {
            kind: 'compare',
            op: 'eq',
            left: property,
            right: { kind: 'literal', type: 'string', value: v },
          }
        : { kind: 'text', fn, property, value: { kind: 'literal', type: 'string', value: v } };
    return like[1] ? { kind: 'not', operand: node } : node;
  }
  const fn = OPERATORS[op];
  if (!fn) throw unsupported(`The condition operator '${op}'`);
  if (prefix.length > 0) throw unsupported(`The operator '${op}' inside <link-entity>`);
  return {
    kind: 'queryFunction',
    name: fn,
    property: wire,
    values: values.map((v) =>
      entity.columns[column]!.type === 'lookup' ? v.replace(/^\{|\}$/g, '') : v,
    ),
  };
}

function filter(entity: EntityDef, el: El, prefix: readonly string[]): FilterNode | undefined {
  allowOnly(el, 'filter', ['type'], ['condition', 'filter']);
  const type = attr(el, 'type') ?? 'and';
  if (type !== 'and' && type !== 'or') throw badRequest(`The filter type '${type}' is not valid.`);
  const parts = [
    ...list(el, 'condition').map((c) => condition(entity, c, prefix)),
    ...list(el, 'filter')
      .map((f) => filter(entity, f, prefix))
      .filter((f): f is FilterNode => f !== undefined),
  ];
  return parts.reduce<FilterNode | undefined>(
    (acc, p) => (acc ? { kind: type, left: acc, right: p } : p),
    undefined,
  );
}

function attributes(entity: EntityDef, el: El): string[] | undefined {
  if (list(el, 'all-attributes').length > 0) return undefined;
  return list(el, 'attribute').map((a) => {
    allowOnly(a, 'attribute', ['name'], []);
    return wireOf(entity, attr(a, 'name') ?? '');
  });
}

const and = (a: FilterNode | undefined, b: FilterNode | undefined): FilterNode | undefined =>
  a && b ? { kind: 'and', left: a, right: b } : (a ?? b);

/**
 * A link-entity. Many-to-one (`to` a lookup of the parent, `from` the linked table's key): its
 * attributes come back as `<alias>.<column>`; `inner` keeps only rows with a linked row matching
 * the link's filter, `outer` keeps all (a filter inside an outer link is not supported). One-to-many
 * (`from` a lookup of the linked table pointing at the parent's key), inner only, without
 * attributes: keeps the rows that have a related row matching the link's filter.
 */
function link(parent: EntityDef, el: El, links: LinkedColumns[]): FilterNode | undefined {
  allowOnly(
    el,
    'link-entity',
    ['name', 'from', 'to', 'alias', 'link-type', 'visible', 'intersect'],
    ['attribute', 'all-attributes', 'filter', 'order'],
  );
  const target = entityByName(attr(el, 'name') ?? '');
  if (!target) throw badRequest(`The entity with a name = '${attr(el, 'name')}' was not found.`);
  const from = attr(el, 'from') ?? '';
  const to = attr(el, 'to') ?? '';
  const type = attr(el, 'link-type') ?? 'inner';
  if (type !== 'inner' && type !== 'outer') throw unsupported(`link-type '${type}'`);
  if (list(el, 'order').length > 0) throw unsupported('<order> inside <link-entity>');
  const filters = list(el, 'filter');
  if (from === target.primaryKey && parent.columns[to]?.type === 'lookup') {
    const nav = [...navigations(parent).entries()].find(
      ([, defs]) =>
        defs.length === 1 && defs[0]!.column === to && defs[0]!.target === target.logicalName,
    );
    if (!nav) throw unsupported(`A link from ${parent.logicalName}.${to} to ${target.logicalName}`);
    const select = attributes(target, el);
    if (select === undefined || select.length > 0)
      links.push({
        alias: attr(el, 'alias') ?? target.logicalName,
        navigation: nav[0],
        target,
        select,
      });
    if (type === 'outer') {
      if (filters.length > 0) throw unsupported('A <filter> inside an outer <link-entity>');
      return undefined;
    }
    const exists: FilterNode = {
      kind: 'compare',
      op: 'ne',
      left: { kind: 'property', path: [nav[0], target.primaryKey] },
      right: { kind: 'literal', type: 'null', value: null },
    };
    return filters.reduce<FilterNode | undefined>(
      (acc, f) => and(acc, filter(target, f, [nav[0]])),
      exists,
    );
  }
  if (to === parent.primaryKey && target.columns[from]?.type === 'lookup') {
    const nav = [...collectionNavigations(parent).values()].find(
      (n) => n.target === target.logicalName && n.column === from,
    );
    if (!nav)
      throw unsupported(`A link from ${target.logicalName}.${from} to ${parent.logicalName}`);
    if (type !== 'inner') throw unsupported('An outer one-to-many <link-entity>');
    if (list(el, 'attribute').length > 0 || list(el, 'all-attributes').length > 0)
      throw unsupported('Attributes of a one-to-many <link-entity>');
    const predicate = filters.reduce<FilterNode | undefined>(
      (acc, f) => and(acc, filter(target, f, ['x'])),
      undefined,
    );
    return { kind: 'lambda', op: 'any', collection: [nav.name], variable: 'x', predicate };
  }
  throw unsupported(
    `A <link-entity> from ${target.logicalName}.${from} to ${parent.logicalName}.${to}`,
  );
}

const whole = (raw: string | undefined, name: string, min: number, max: number) => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw badRequest(`The fetch attribute ${name} must be a whole number from ${min} to ${max}.`);
  return n;
};

/** Parses a `fetchXml` query on `entity`'s entity set. */
export function parseFetchXml(entity: EntityDef, text: string, maxPageSize: number): FetchQuery {
  let doc: El;
  try {
    doc = parser.parse(text, true) as El;
  } catch (err) {
    throw badRequest(`The FetchXML is not well-formed XML: ${(err as Error).message}`);
  }
  const fetch = doc['fetch'] as El | undefined;
  if (!fetch || typeof fetch !== 'object') throw badRequest('The FetchXML has no <fetch> element.');
  for (const key of Object.keys(fetch)) {
    if (key.startsWith('@') && !FETCH_ATTRIBUTES.has(key))
      throw unsupported(`The fetch attribute ${key.slice(1)}`);
    if (!key.startsWith('@') && key !== 'entity') throw unsupported(`<${key}> inside <fetch>`);
  }
  if (attr(fetch, 'distinct') === 'true') throw unsupported('distinct="true"');
  if (attr(fetch, 'aggregate') === 'true') throw unsupported('aggregate="true"');
  const entities = list(fetch, 'entity');
  if (entities.length !== 1) throw badRequest('The FetchXML must have exactly one <entity>.');
  const main = entities[0]!;
  if (attr(main, 'name') !== entity.logicalName) {
    throw badRequest(
      `The entity name '${attr(main, 'name')}' of the FetchXML does not match the entity set '${entity.entitySet}'.`,
    );
  }
  allowOnly(
    main,
    'entity',
    ['name'],
    ['attribute', 'all-attributes', 'filter', 'order', 'link-entity'],
  );
  const links: LinkedColumns[] = [];
  let where = list(main, 'filter').reduce<FilterNode | undefined>(
    (acc, f) => and(acc, filter(entity, f, [])),
    undefined,
  );
  for (const l of list(main, 'link-entity')) where = and(where, link(entity, l, links));
  const orderBy = list(main, 'order').map((o) => {
    allowOnly(o, 'order', ['attribute', 'descending'], []);
    return {
      wire: wireOf(entity, attr(o, 'attribute') ?? ''),
      desc: attr(o, 'descending') === 'true',
    };
  });
  const top = whole(attr(fetch, 'top'), 'top', 0, maxPageSize);
  const count = whole(attr(fetch, 'count'), 'count', 1, maxPageSize);
  const page = whole(attr(fetch, 'page'), 'page', 1, 1_000_000) ?? 1;
  if (top !== undefined && (count !== undefined || page > 1))
    throw badRequest('The fetch attribute top cannot be used together with count or page.');
  return {
    select: attributes(entity, main),
    filter: where,
    orderBy,
    top,
    count,
    page,
    returnTotalRecordCount: attr(fetch, 'returntotalrecordcount') === 'true',
    links,
  };
}
