import { isGuid } from '../shared/ids.ts';

/** Options of one `$expand` entry (nested options are separated by `;`). */
export interface ExpandOptions {
  readonly select?: readonly string[];
  readonly filter?: string;
  readonly orderby?: string | readonly string[];
  readonly top?: number;
  readonly expand?: Readonly<Record<string, ExpandOptions | true>>;
}

/** A Web API query. `$skip` does not exist in Dataverse: page with `@odata.nextLink`. */
export interface QueryOptions {
  readonly select?: readonly string[];
  /** An OData filter; build literals with `odataString` / `odataGuid`. */
  readonly filter?: string;
  readonly orderby?: string | readonly string[];
  /** Raw `$expand` text, or navigation property → options. */
  readonly expand?: string | Readonly<Record<string, ExpandOptions | true>>;
  /** Ignored by Dataverse when a page size (odata.maxpagesize) is also requested. */
  readonly top?: number;
  readonly count?: boolean;
  readonly apply?: string;
  readonly fetchXml?: string;
}

/** Alternate key: column → value, e.g. `{ accountnumber: 'A1' }`. */
export type AlternateKey = Readonly<Record<string, string | number | boolean>>;

/** A record id (GUID) or an alternate key. */
export type RecordKey = string | AlternateKey;

/**
 * Percent-encodes a query value but keeps the characters that are legal in a query component and
 * make URLs readable in logs (`,` `$` `/` `:` `;` `@` `'` `(` `)` `=`). `+` is always encoded because
 * form-style parsers read it as a space.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%(2C|24|2F|3A|3B|40|3D)/g, (_m, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** `?$select=…&$filter=…`, or '' when there are no options. */
export function buildQueryString(query: QueryOptions = {}): string {
  const parts: string[] = [];
  const add = (name: string, value: string) => parts.push(`${name}=${encodeQueryValue(value)}`);
  if (query.select?.length) add('$select', query.select.join(','));
  if (query.filter) add('$filter', query.filter);
  const orderby = joinList(query.orderby);
  if (orderby) add('$orderby', orderby);
  if (query.expand)
    add('$expand', typeof query.expand === 'string' ? query.expand : expandText(query.expand));
  if (query.top !== undefined) add('$top', String(query.top));
  if (query.count) add('$count', 'true');
  if (query.apply) add('$apply', query.apply);
  if (query.fetchXml) add('fetchXml', query.fetchXml);
  return parts.length ? `?${parts.join('&')}` : '';
}

function joinList(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

function expandText(expand: Readonly<Record<string, ExpandOptions | true>>): string {
  return Object.entries(expand)
    .map(([nav, opts]) => {
      if (opts === true) return nav;
      const inner: string[] = [];
      if (opts.select?.length) inner.push(`$select=${opts.select.join(',')}`);
      if (opts.filter) inner.push(`$filter=${opts.filter}`);
      const orderby = joinList(opts.orderby);
      if (orderby) inner.push(`$orderby=${orderby}`);
      if (opts.top !== undefined) inner.push(`$top=${opts.top}`);
      if (opts.expand) inner.push(`$expand=${expandText(opts.expand)}`);
      return inner.length ? `${nav}(${inner.join(';')})` : nav;
    })
    .join(',');
}

/** An OData string literal: `'O''Brien'`. */
export const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** A GUID literal for `$filter` (unquoted); throws on anything that is not a GUID. */
export function odataGuid(id: string): string {
  if (!isGuid(id)) throw new Error(`not a GUID: ${id}`);
  return id.toLowerCase();
}

function keyLiteral(value: string | number | boolean): string {
  return typeof value === 'string' ? odataString(value) : String(value);
}

/**
 * `accounts(<guid>)` or `accounts(accountnumber='A1')`; undefined when the id is neither a GUID
 * nor a non-empty alternate key (the caller reports `invalid_request`).
 */
export function entityPath(entitySet: string, key: RecordKey): string | undefined {
  if (typeof key === 'string')
    return isGuid(key) ? `${entitySet}(${key.toLowerCase()})` : undefined;
  const entries = Object.entries(key);
  if (entries.length === 0) return undefined;
  const inner = entries.map(([k, v]) => `${k}=${encodeQueryValue(keyLiteral(v))}`).join(',');
  return `${entitySet}(${inner})`;
}

/** The value of an `@odata.bind`: `/accounts(<guid>)`. */
export function bindPath(entitySet: string, id: string): string {
  const path = entityPath(entitySet, id);
  if (!path) throw new Error(`not a GUID: ${id}`);
  return `/${path}`;
}

/**
 * A lookup for a create/update body:
 * `{ ...lookup('parentcustomerid_account', 'accounts', id) }` →
 * `{ "parentcustomerid_account@odata.bind": "/accounts(<id>)" }`. To clear a lookup, bind it to
 * null in a PATCH (`{ "parentcustomerid_account@odata.bind": null }`) or use
 * `DataverseClient.disassociate`.
 */
export function lookup(
  navigationProperty: string,
  entitySet: string,
  id: string,
): Record<string, string> {
  return { [`${navigationProperty}@odata.bind`]: bindPath(entitySet, id) };
}

/** The GUID inside `…/accounts(<guid>)` (OData-EntityId / Location headers), if any. */
export function idFromEntityUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  const match =
    /\(([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)\/?$/.exec(
      url,
    );
  return match?.[1]?.toLowerCase();
}

/** A value passed to a function parameter alias. */
export type FunctionParameter = string | number | boolean | null | readonly unknown[] | object;

/**
 * `Name(A=@p1,B=@p2)?@p1=…&@p2=…` (aliases keep literals out of the path), bound to a record when
 * `bound` is given. Undefined when the bound key is invalid.
 */
export function functionPath(
  name: string,
  params: Readonly<Record<string, FunctionParameter>>,
  bound?: { entitySet: string; id: RecordKey },
): string | undefined {
  const entries = Object.entries(params);
  const signature = entries.map(([k], i) => `${k}=@p${i + 1}`).join(',');
  const aliases = entries
    .map(
      ([, v], i) =>
        `@p${i + 1}=${encodeQueryValue(typeof v === 'string' ? odataString(v) : JSON.stringify(v))}`,
    )
    .join('&');
  let path = `${name}(${signature})`;
  if (bound) {
    const target = entityPath(bound.entitySet, bound.id);
    if (!target) return undefined;
    path = `${target}/Microsoft.Dynamics.CRM.${path}`;
  }
  return aliases ? `${path}?${aliases}` : path;
}
