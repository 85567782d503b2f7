import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { MAX_PAGE_SIZE, type Page } from '../keyset-list.ts';

export const MAX_ROWS = 1_000_000_000;

/** A whole number from `min` (to `max`), with one message for anything else ("abc", 0, 1.5). */
export const wholeNumber = (min: number, max?: number) => {
  const error =
    max === undefined
      ? `must be a whole number ≥ ${min}`
      : `must be a whole number from ${min} to ${max}`;
  return z.coerce
    .number({ error })
    .int({ error })
    .min(min, { error })
    .max(max ?? MAX_ROWS, { error });
};

const flag = z.enum(['true', 'false']);

/**
 * The OData paging options of a list, each also under its plain name (`top` as the integration
 * API always took it): `$top` rows in all, `$skip` rows first, `$count=true` for `@odata.count`,
 * and `$skiptoken` from an `@odata.nextLink`.
 */
export const pagingQuery = {
  top: wholeNumber(1).optional(),
  $top: wholeNumber(1).optional(),
  skip: wholeNumber(0).optional(),
  $skip: wholeNumber(0).optional(),
  count: flag.optional(),
  $count: flag.optional(),
  $skiptoken: z.string().min(1).max(400).optional(),
};

type PagingQuery = { [K in keyof typeof pagingQuery]?: z.output<(typeof pagingQuery)[K]> };

export interface PagingAsk {
  readonly top?: number;
  readonly skip: number;
  readonly count: boolean;
  readonly skiptoken?: string;
}

/** The paging options of a request, each given at most once (plainly or with its `$`). */
export function pagingOf(q: PagingQuery): PagingAsk {
  const one = <T>(name: 'top' | 'skip' | 'count', plain: T | undefined, dollar: T | undefined) => {
    if (plain !== undefined && dollar !== undefined)
      throw new AppError('validation_failed', `Give ${name} or $${name}, not both`);
    return plain ?? dollar;
  };
  const top = one('top', q.top, q.$top);
  return {
    ...(top === undefined ? {} : { top }),
    skip: one('skip', q.skip, q.$skip) ?? 0,
    count: one('count', q.count, q.$count) === 'true',
    ...(q.$skiptoken === undefined ? {} : { skiptoken: q.$skiptoken }),
  };
}

/**
 * `Prefer: odata.maxpagesize=N` (OData 4.0), at most `max`; undefined when not asked. A page size
 * that is not a whole number ≥ 1 is refused rather than ignored.
 */
export function preferredPageSize(request: FastifyRequest, max: number): number | undefined {
  const header = request.headers.prefer;
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of text.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim().toLowerCase());
    if (name !== 'odata.maxpagesize') continue;
    if (!value || !/^\d{1,9}$/.test(value) || Number(value) < 1)
      throw new AppError(
        'validation_failed',
        'Prefer odata.maxpagesize must be a whole number ≥ 1',
      );
    return Math.min(Number(value), max);
  }
  return undefined;
}

/** A skip token: the opaque text of where the next page starts. */
export const encodeSkipToken = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** The value of a skip token this API gave out, or a 400 saying it is not one. */
export function decodeSkipToken<T>(schema: z.ZodType<T>, token: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    // Not base64url JSON: refused below like any token that fails the schema.
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'invalid_skiptoken',
    '$skiptoken is not one this list gave out; follow @odata.nextLink as given, or start again from the first page',
  );
}

/**
 * A list answer the OData way: `@odata.count` when asked for, the page in `value`, and
 * `@odata.nextLink` (this request's URL with the skip token of the next page, its other options
 * kept) on every page but the last.
 */
export function listAnswer<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  page: { value: T[]; count?: number; skiptoken?: string; pageSize?: number },
) {
  if (page.pageSize !== undefined)
    reply.header('preference-applied', `odata.maxpagesize=${page.pageSize}`);
  return {
    ...(page.count === undefined ? {} : { '@odata.count': page.count }),
    value: page.value,
    ...(page.skiptoken === undefined
      ? {}
      : { '@odata.nextLink': nextLink(request, page.skiptoken) }),
  };
}

function nextLink(request: FastifyRequest, skiptoken: string): string {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  const dropped = new Set(['top', '$top', 'skip', '$skip', '$skiptoken']);
  // Written out by hand: URLSearchParams would spell `$skiptoken` as `%24skiptoken`.
  const pairs = [...url.searchParams]
    .filter(([k]) => !dropped.has(k))
    .map(([k, v]) => `${encodeURIComponent(k).replace(/^%24/, '$')}=${encodeURIComponent(v)}`);
  pairs.push(`$skiptoken=${skiptoken}`);
  return `${url.origin}${url.pathname}?${pairs.join('&')}`;
}

/**
 * A timestamp in a skip token: microseconds, and a real date (no 30 February) that PostgreSQL
 * reads back, so a forged token is a 400 and not a 500.
 */
export const tokenTime = z.iso.datetime({ precision: 6 }).refine((s) => {
  const d = new Date(s);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 19) === s.slice(0, 19);
});

/** How a keyset list (src/integration/keyset-list.ts) pages over HTTP. */
export interface ListPaging<K> {
  /** Rows in a page when neither `top` nor `Prefer: odata.maxpagesize` says otherwise. */
  readonly pageSize: number;
  /** The key as its skip token holds it, and back. */
  readonly keyToken: (key: K) => unknown;
  /** A skip token's value: the last row's key (`k`), rows still wanted (`t`), the page size (`p`). */
  readonly token: z.ZodType<{ k: K; t?: number | undefined; p: number }>;
}

/** The paging of a list whose skip token holds its key in the form `key` checks. */
export function listPaging<K>(o: {
  pageSize: number;
  key: z.ZodType<K>;
  keyToken: (key: K) => unknown;
}): ListPaging<K> {
  return {
    pageSize: o.pageSize,
    keyToken: o.keyToken,
    token: z.strictObject({
      k: o.key,
      t: z.number().int().min(1).optional(),
      p: z.number().int().min(1).max(MAX_PAGE_SIZE),
    }),
  };
}

/** The page a request asks for: where it starts, how many rows in all and in this page. */
export interface PagePlan<K> {
  readonly top?: number;
  readonly skip: number;
  readonly after?: K;
  readonly pageSize: number;
  readonly count: boolean;
  /** The page size asked for with `Prefer` (answered with `Preference-Applied`). */
  readonly preferred?: number;
}

/** The page of a list a request asks for: its paging options, skip token and `Prefer`. */
export function pagePlan<K>(request: FastifyRequest, list: ListPaging<K>, q: PagingQuery) {
  const paging = pagingOf(q);
  const token = paging.skiptoken ? decodeSkipToken(list.token, paging.skiptoken) : undefined;
  const preferred = preferredPageSize(request, MAX_PAGE_SIZE);
  const top = paging.top ?? token?.t;
  // Without a page size asked for, `top` rows come in one page as they always did (up to the
  // largest page), and a list without `top` pages by the size it always had.
  const pageSize =
    preferred ?? token?.p ?? (top === undefined ? list.pageSize : Math.min(top, MAX_PAGE_SIZE));
  const plan: PagePlan<K> = {
    ...(top === undefined ? {} : { top }),
    skip: paging.skip,
    ...(token ? { after: token.k } : {}),
    pageSize,
    count: paging.count,
    ...(preferred === undefined ? {} : { preferred }),
  };
  return plan;
}

/** A page of a keyset list as the OData answer, with the next link's skip token. */
export function pageAnswer<V, K>(
  request: FastifyRequest,
  reply: FastifyReply,
  list: ListPaging<K>,
  plan: PagePlan<K>,
  page: Page<V, K>,
) {
  const next = page.next;
  return listAnswer(request, reply, {
    value: page.value,
    ...(page.count === undefined ? {} : { count: page.count }),
    ...(plan.preferred === undefined ? {} : { pageSize: plan.preferred }),
    ...(next
      ? {
          skiptoken: encodeSkipToken({
            k: list.keyToken(next.after),
            ...(next.top === undefined ? {} : { t: next.top }),
            p: plan.pageSize,
          }),
        }
      : {}),
  });
}
