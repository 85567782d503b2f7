import { z } from 'zod';
import { COUPLING_PAGE_SIZE, LOG_PAGE_SIZE } from '../log-lists.ts';
import { listPaging, tokenTime } from './paging.ts';
import { guid, mappingName } from './shared.ts';

/** The skip tokens of the paged lists (src/integration/log-lists.ts): each list's key as a tuple. */

/** Couplings (and skipped records): [mapping, creation, id]. */
export const COUPLING_PAGING = listPaging({
  pageSize: COUPLING_PAGE_SIZE,
  key: z
    .tuple([mappingName, tokenTime, guid])
    .transform(([mapping, createdAt, id]) => ({ mapping, createdAt, id })),
  keyToken: (k) => [k.mapping, k.createdAt, k.id],
});

/** Skipped records: couplings, paged by the size the skipped list always had. */
export const SKIPPED_PAGING = { ...COUPLING_PAGING, pageSize: LOG_PAGE_SIZE };

/** Jobs, newest first: [start, id]. */
export const JOB_PAGING = listPaging({
  pageSize: LOG_PAGE_SIZE,
  key: z.tuple([tokenTime, guid]).transform(([startedAt, id]) => ({ startedAt, id })),
  keyToken: (k) => [k.startedAt, k.id],
});

/** Record errors, newest first: [id]. */
export const ERROR_PAGING = listPaging({
  pageSize: LOG_PAGE_SIZE,
  key: z.tuple([z.number().int().min(1)]).transform(([id]) => ({ id })),
  keyToken: (k) => [k.id],
});

/** Conflict-inbox entries, oldest first: [detection, id]. */
export const CONFLICT_PAGING = listPaging({
  pageSize: LOG_PAGE_SIZE,
  key: z.tuple([tokenTime, guid]).transform(([detectedAt, id]) => ({ detectedAt, id })),
  keyToken: (k) => [k.detectedAt, k.id],
});
