import type { Queryable } from '../db/db.ts';
import { type NotCreated, notCreatedSql } from './couplings/not-created.ts';
import { settled, settledIn, source, withCouplings } from './error-settlement.ts';
import type { Paging } from './paging.ts';

/** Read models of the record errors (BC: Integration Synch. Job Errors), for the API and the CLI. */

export interface ErrorView {
  id: number;
  jobId: string;
  mapping: string;
  direction: string;
  erpTable: string;
  erpId: string | null;
  crmEntity: string;
  crmId: string | null;
  /**
   * The side whose record does not exist: its create failed and waits to be retried (a pending
   * coupling), so the id named on that side is the one it will get, which leads nowhere yet.
   */
  notCreated: NotCreated;
  message: string;
  createdAt: Date;
  /**
   * The record was coupled or synchronized in this direction after this failure: without failing
   * again since, or before failing again (in the history, each failure of a settled run of
   * attempts reads settled, the run still open does not).
   */
  settled: boolean;
  /**
   * Open errors: how many times the record has failed in this direction since it was last fine
   * (coupled or synchronized in this direction; this error is the latest of them). Null in the history (`all`), where each failure is a row.
   */
  attempts: number | null;
}

/** An error's place in the list order (newest first): its id, which only grows. */
export interface ErrorKey {
  readonly id: number;
}

/** What a list of errors may be filtered by: open ones unless `all`. */
export interface ErrorFilter {
  readonly mapping?: string;
  readonly jobId?: string;
  readonly all?: boolean;
}

// A pending coupling holding the error's CRM id (or ERP id) says that record is not created yet.
const COLUMNS = `e.id, e.job_id AS "jobId", e.mapping_name AS mapping, e.direction,
  e.erp_table AS "erpTable", e.erp_id AS "erpId", e.crm_entity AS "crmEntity", e.crm_id AS "crmId",
  ${notCreatedSql('e_cc', 'e_ce')} AS "notCreated",
  e.message, e.created_at AS "createdAt"`;

/**
 * The open errors' rows: one per record and direction, its latest failure (the record's error not
 * superseded, migration sync 039), when that is not settled; with a job, those whose latest
 * failure is the job's. A record whose latest failure is settled is fine, its earlier failures
 * with it (they are older than the pass that settled it). Its attempts are the `attempt` counted
 * when it was recorded (logRecordError, migration sync 041): the coupling keeps only its last
 * result, so the settlements between a record's failures are read from the stored counts (an
 * `attempt` of 1 follows one), not from the coupling.
 */
const OPEN = `${withCouplings('e')}
  WHERE NOT e.superseded AND ($1::text IS NULL OR e.mapping_name = $1)
    AND ($2::uuid IS NULL OR e.job_id = $2) AND NOT ${settled('e')}`;

/** The history (`all`): every failure, settled ones saying so (HISTORY_SETTLED). */
const HISTORY = `${withCouplings('e')}
  WHERE ($1::text IS NULL OR e.mapping_name = $1) AND ($2::uuid IS NULL OR e.job_id = $2)`;

/** The failures of `e`'s record in its direction after `e` (sync_errors_source_record_idx). */
const laterOfRecord = (x: string) => `integration.sync_errors ${x}
   WHERE ${x}.mapping_name = e.mapping_name AND ${x}.direction = e.direction
     AND ${source(x)} = ${source('e')} AND ${x}.id > e.id`;

/**
 * A failure in the history is settled when its record was settled after it, read per row:
 * the coupling keeps only its last result, so it answers for the record's latest failure only
 * (`settled`, as the open list reads it). An earlier one is settled when a later failure of the
 * record started its attempts again (`attempt = 1`, recorded when the failure before it was
 * settled: a settlement came between), or else with the record's latest failure (the failures
 * between are one run of attempts). Both are look-ups of the record's later failures on
 * sync_errors_source_record_idx, a few rows each, for the page's rows only.
 */
const HISTORY_SETTLED = `CASE WHEN e.superseded THEN
    EXISTS (SELECT 1 FROM ${laterOfRecord('n')} AND n.attempt = 1)
    OR EXISTS (SELECT 1 FROM ${laterOfRecord('l')} AND NOT l.superseded
                 AND CASE WHEN l.direction = 'FromIntegrationTable'
                          THEN ${settledIn('l', 'FromIntegrationTable')}
                          ELSE ${settledIn('l', 'ToIntegrationTable')} END)
  ELSE ${settled('e')} END`;

const errorParams = (f: ErrorFilter) => [f.mapping ?? null, f.jobId ?? null];

/**
 * Per-record errors, newest first, each with its key: only open ones (one per record and
 * direction) unless `all` (then every failure, settled ones saying so); `after` starts past a key
 * (keyset paging on the primary key; open ones on sync_errors_latest_idx, so a page reads about as
 * many rows as it shows: 100,000 errors of 20,000 records, a page in a few ms, see
 * docs/sync-engine.md).
 */
export async function listErrorsKeyed(
  db: Queryable,
  f: ErrorFilter & Paging & { readonly after?: ErrorKey },
): Promise<{ view: ErrorView; key: ErrorKey }[]> {
  const select =
    f.all === true
      ? `SELECT ${COLUMNS}, ${HISTORY_SETTLED} AS settled, NULL::int AS attempts FROM ${HISTORY}`
      : `SELECT ${COLUMNS}, false AS settled, e.attempt AS attempts FROM ${OPEN}`;
  const r = await db.query<ErrorView>(
    `${select} AND ($5::bigint IS NULL OR e.id < $5) ORDER BY e.id DESC LIMIT $3 OFFSET $4`,
    [...errorParams(f), f.top, f.skip, f.after?.id ?? null],
  );
  return r.rows.map((view) => ({ view, key: { id: view.id } }));
}

/** Per-record errors, newest first: open ones unless `all` (see listErrorsKeyed). */
export async function listErrors(db: Queryable, f: ErrorFilter & Paging): Promise<ErrorView[]> {
  return (await listErrorsKeyed(db, f)).map((row) => row.view);
}

/** How many errors the filter matches (open ones, one per record and direction, unless `all`). */
export async function countErrors(db: Queryable, f: ErrorFilter): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${f.all === true ? 'integration.sync_errors e WHERE ($1::text IS NULL OR e.mapping_name = $1) AND ($2::uuid IS NULL OR e.job_id = $2)' : OPEN}`,
    errorParams(f),
  );
  return r.rows[0]?.n ?? 0;
}

/**
 * Open record errors per mapping (one per record and direction): what `kobling errors` lists and
 * `numberOfErrors` counts.
 */
export async function openErrorCounts(db: Queryable): Promise<Map<string, number>> {
  const r = await db.query<{ mapping: string; n: number }>(
    `SELECT e.mapping_name AS mapping, count(*)::int AS n FROM ${OPEN} GROUP BY e.mapping_name`,
    [null, null],
  );
  return new Map(r.rows.map((row) => [row.mapping, row.n]));
}

/**
 * Of the records that failed in `jobIds` (a full synchronization line's jobs), how many are still
 * open: their latest failure in that direction — in those jobs or a later one — is not settled.
 * Read from the jobs' errors (sync_errors_job_idx) to each record's latest failure.
 */
export async function openErrorsOfJobRecords(
  db: Queryable,
  mapping: string,
  jobIds: readonly string[],
): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${OPEN}
        AND (CASE WHEN ${source('e')} IS NULL THEN e.job_id = ANY($3::uuid[])
             ELSE EXISTS (SELECT 1 FROM integration.sync_errors f
                           WHERE f.job_id = ANY($3::uuid[]) AND f.mapping_name = e.mapping_name
                             AND f.direction = e.direction AND ${source('f')} = ${source('e')}) END)`,
    [mapping, null, jobIds],
  );
  return r.rows[0]?.n ?? 0;
}
