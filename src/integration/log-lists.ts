import {
  type ConflictEntry,
  type ConflictKey,
  countConflicts,
  listConflictsKeyed,
} from '../sync/conflicts/conflict-repo.ts';
import {
  type CouplingFilter,
  type CouplingKey,
  type CouplingView,
  countCouplings,
  countErrors,
  countJobs,
  type ErrorFilter,
  type ErrorKey,
  type ErrorView,
  type JobKey,
  type JobView,
  listCouplingsKeyed,
  listErrorsKeyed,
  listJobsKeyed,
} from '../sync/queries.ts';
import type { KeysetList } from './keyset-list.ts';

/**
 * The lists of the integration API and CLI that page by keyset (src/integration/keyset-list.ts),
 * each with the page size it had before it paged: a list asked for without a size still answers
 * that many rows first.
 */

/** Couplings by mapping, creation, id (`GET …/couplings`, `GET …/skipped`, `kobling couplings`). */
export const COUPLINGS: KeysetList<CouplingFilter, CouplingView, CouplingKey> = {
  rows: (db, filter, at) => listCouplingsKeyed(db, { ...filter, ...at }),
  count: countCouplings,
};
export const COUPLING_PAGE_SIZE = 100;

/** Synchronization jobs, newest first (`GET …/jobs`, `kobling jobs`). */
export const JOBS: KeysetList<{ mapping?: string }, JobView, JobKey> = {
  rows: (db, filter, at) => listJobsKeyed(db, { ...filter, ...at }),
  count: countJobs,
};

/** Record errors, newest first, open ones unless `all` (`GET …/errors`, `kobling errors`). */
export const ERRORS: KeysetList<ErrorFilter, ErrorView, ErrorKey> = {
  rows: (db, filter, at) => listErrorsKeyed(db, { ...filter, ...at }),
  count: countErrors,
};

/** Open conflict-inbox entries, oldest first (`GET …/conflicts`, `kobling conflicts`). */
export const CONFLICTS: KeysetList<{ mapping?: string }, ConflictEntry, ConflictKey> = {
  rows: (db, filter, at) => listConflictsKeyed(db, { ...filter, ...at }),
  count: countConflicts,
};

/** The page size of the jobs, errors, skipped and conflicts lists (their `top` default). */
export const LOG_PAGE_SIZE = 50;
