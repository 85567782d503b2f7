import type { Queryable } from '../db/db.ts';
import {
  type CouplingFilter,
  type CouplingKey,
  type CouplingView,
  countCouplings,
  listCouplingsKeyed,
} from '../sync/queries.ts';

/** Rows in a page of couplings when nobody asks otherwise (what the list always gave). */
export const COUPLING_PAGE_SIZE = 100;
/** The largest page: bigger lists are read page by page. */
export const MAX_COUPLING_PAGE_SIZE = 1000;

/** What one page of the couplings list is asked for. */
export interface CouplingPageAsk {
  readonly filter: CouplingFilter;
  /** Rows wanted in all from here on (this page and the next ones); absent: every row. */
  readonly top?: number;
  /** Rows skipped before the page (after `after`, when given). */
  readonly skip: number;
  /** The key of the last row of the page before. */
  readonly after?: CouplingKey;
  readonly pageSize: number;
  /** Also count every coupling the filter matches. */
  readonly count: boolean;
}

/** Where the next page starts, and how many rows are still wanted from there. */
export interface CouplingPageNext {
  readonly after: CouplingKey;
  readonly top?: number;
}

export interface CouplingPage {
  readonly value: CouplingView[];
  readonly count?: number;
  /** Absent on the last page. */
  readonly next?: CouplingPageNext;
}

/**
 * One page of couplings in the list order (mapping, creation, id), read past the key of the page
 * before (keyset paging: page 1,000 costs what page 1 costs, and a coupling added or removed
 * meanwhile neither repeats nor drops a row). One row more than the page tells whether there is
 * a next one.
 */
export async function couplingPage(db: Queryable, ask: CouplingPageAsk): Promise<CouplingPage> {
  const size = Math.min(ask.pageSize, ask.top ?? ask.pageSize);
  const [rows, count] = await Promise.all([
    listCouplingsKeyed(db, { ...ask.filter, top: size + 1, skip: ask.skip, after: ask.after }),
    ask.count ? countCouplings(db, ask.filter) : undefined,
  ]);
  const page = rows.slice(0, size);
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
 * Every page of a couplings list, one after the other (what following the next links does): the
 * caller handles a page before the next one is read, so a list of any length streams.
 */
export async function* couplingPages(
  db: Queryable,
  ask: Omit<CouplingPageAsk, 'after'>,
): AsyncGenerator<CouplingPage> {
  let page = await couplingPage(db, ask);
  yield page;
  while (page.next) {
    page = await couplingPage(db, {
      ...ask,
      count: false,
      skip: 0,
      top: page.next.top,
      after: page.next.after,
    });
    yield page;
  }
}
