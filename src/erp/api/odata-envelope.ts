import type { FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.ts';
import { MAX_TOP } from '../query/list-query.ts';

/** Rows per page when the client states no preference (BC pages server-side too). */
export const PAGE_SIZE = 1000;

/** What the client asked for in `Prefer` (OData 4.0 preferences the ERP API honours). */
export interface Preferences {
  readonly maxPageSize?: number;
  readonly returnRepresentation: boolean;
}

/** Reads `Prefer: odata.maxpagesize=N, return=representation` (other preferences are ignored). */
export function preferences(request: FastifyRequest): Preferences {
  const header = request.headers['prefer'];
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  let maxPageSize: number | undefined;
  let returnRepresentation = false;
  for (const part of text.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim().toLowerCase());
    if (name === 'odata.maxpagesize') {
      if (!value || !/^\d{1,9}$/.test(value) || Number(value) < 1)
        throw new AppError('invalid_query', 'odata.maxpagesize must be a whole number ≥ 1');
      maxPageSize = Math.min(Number(value), MAX_TOP);
    } else if (name === 'return' && value === 'representation') returnRepresentation = true;
  }
  return { maxPageSize, returnRepresentation };
}

/** The service root (`…/api/v2.0`) as the client reached it. */
export const serviceRoot = (request: FastifyRequest, prefix: string) =>
  `${request.protocol}://${request.host}${prefix}`;

/** The request URL with query options replaced (for `@odata.nextLink`). */
export function linkWith(request: FastifyRequest, options: Record<string, string | undefined>) {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  return url.toString();
}

/**
 * One page of a list: at most the preferred page size (or PAGE_SIZE), within the client's `$top`.
 * Returns the LIMIT to ask for (one more row tells whether there is a next page).
 */
export function pageOf(top: number | undefined, prefs: Preferences) {
  const size = prefs.maxPageSize ?? PAGE_SIZE;
  const limit = top === undefined ? size : Math.min(top, size);
  return { size, limit, paged: top === undefined || top > size };
}
