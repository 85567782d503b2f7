import type { Queryable } from '../db/db.ts';
import { AppError } from '../shared/errors.ts';
import { noSuchMapping } from '../sync/mappings/mapping-name.ts';

/** The largest page of any list: bigger lists are read page by page. */
export const MAX_PAGE_SIZE = 1000;

/** A row of a list with its place in the list order (what the next page starts after). */
export interface Keyed<V, K> {
  readonly view: V;
  readonly key: K;
}

/**
 * A list read in a stable order past a key (keyset paging: page 1,000 costs what page 1 costs,
 * and a row added or removed meanwhile neither repeats nor drops one). `rows` reads up to `top`
 * rows, `skip` of them skipped first, past `after` when given; `count` counts what the filter
 * matches.
 */
export interface KeysetList<F, V, K> {
  rows(
    db: Queryable,
    filter: F,
    at: { readonly top: number; readonly skip: number; readonly after?: K },
  ): Promise<Keyed<V, K>[]>;
  count(db: Queryable, filter: F): Promise<number>;
}

/** What one page of a list is asked for. */
export interface PageAsk<F, K> {
  readonly filter: F;
  /** Rows wanted in all from here on (this page and the next ones); absent: every row. */
  readonly top?: number;
  /** Rows skipped before the page (after `after`, when given). */
  readonly skip: number;
  /** The key of the last row of the page before. */
  readonly after?: K;
  readonly pageSize: number;
  /** Also count every row the filter matches. */
  readonly count: boolean;
}

/** Where the next page starts, and how many rows are still wanted from there. */
export interface PageNext<K> {
  readonly after: K;
  readonly top?: number;
}

export interface Page<V, K> {
  readonly value: V[];
  readonly count?: number;
  /** Absent on the last page. */
  readonly next?: PageNext<K>;
}

/**
 * What every list may be filtered by: one mapping, by its stored name (the API's and the CLI's
 * `mappingName` schema puts a name given in any case in that form before it gets here).
 */
export interface MappingFilter {
  readonly mapping?: string | undefined;
}

/**
 * One page of a list in its order. One row more than the page tells whether there is a next.
 * A list filtered by a mapping that does not exist is a not_found (404; the CLI exits 1), not an
 * empty list: an empty list would say the mapping has none. Checked here, where the API's lists
 * and the CLI's (each page of keysetPages) read their pages, when a first page comes back empty:
 * rows of a name are never refused (a flow's jobs, such as CUSTOMER STATISTICS, carry a name no
 * table mapping has, and a removed mapping's jobs and errors stay listed under its name).
 */
export async function keysetPage<F extends MappingFilter, V, K>(
  db: Queryable,
  list: KeysetList<F, V, K>,
  ask: PageAsk<F, K>,
): Promise<Page<V, K>> {
  const size = Math.min(ask.pageSize, ask.top ?? ask.pageSize);
  const [rows, count] = await Promise.all([
    list.rows(db, ask.filter, {
      top: size + 1,
      skip: ask.skip,
      ...(ask.after === undefined ? {} : { after: ask.after }),
    }),
    ask.count ? list.count(db, ask.filter) : undefined,
  ]);
  const page = rows.slice(0, size);
  if (page.length === 0 && ask.after === undefined) await checkEmptyListFilter(db, ask.filter);
  const left = ask.top === undefined ? undefined : ask.top - page.length;
  const last = page.at(-1);
  const more = rows.length > size && last !== undefined && (left === undefined || left > 0);
  return {
    value: page.map((row) => row.view),
    ...(count === undefined ? {} : { count }),
    ...(more ? { next: { after: last.key, ...(left === undefined ? {} : { top: left }) } } : {}),
  };
}

/**
 * Every page of a list, one after the other (what following the next links does): the caller
 * handles a page before the next one is read, so a list of any length streams.
 */
export async function* keysetPages<F extends MappingFilter, V, K>(
  db: Queryable,
  list: KeysetList<F, V, K>,
  ask: Omit<PageAsk<F, K>, 'after'>,
): AsyncGenerator<Page<V, K>> {
  let page = await keysetPage(db, list, ask);
  yield page;
  while (page.next) {
    page = await keysetPage(db, list, {
      ...ask,
      count: false,
      skip: 0,
      top: page.next.top,
      after: page.next.after,
    });
    yield page;
  }
}

/**
 * What `keysetPage` checks when a first page comes back empty, for the lists read otherwise too
 * (the web pages' numbered pages, any empty page: a known name never fails): a not_found with the
 * mapping meant when the filter names what neither a table mapping nor any job (a flow's, a
 * removed mapping's) has; nothing otherwise, the list is just empty.
 */
export async function checkEmptyListFilter(db: Queryable, filter: MappingFilter): Promise<void> {
  if (filter.mapping === undefined) return;
  const r = await db.query(
    `SELECT 1 FROM integration.table_mappings WHERE name = $1
     UNION ALL (SELECT 1 FROM integration.sync_jobs WHERE mapping_name = $1 LIMIT 1)`,
    [filter.mapping],
  );
  if (r.rowCount === 0) throw AppError.from(await noSuchMapping(db, filter.mapping));
}
