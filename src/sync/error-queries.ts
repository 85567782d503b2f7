import type { Queryable } from '../db/db.ts';
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
  message: string;
  createdAt: Date;
  /** The record was coupled or synchronized in this direction since, without failing again. */
  settled: boolean;
  /**
   * Open errors: how many times the record has failed in this direction since it was last fine
   * (this error is the latest of them). Null in the history (`all`), where each failure is a row.
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

/**
 * The record an error is about: the source record of the pass (the ERP record going to the CRM,
 * the CRM record coming to the ERP). With the mapping and the direction it keys a record's
 * failures (sync_errors_source_record_idx, the same expression); an error naming no source record
 * stands alone.
 */
const source = (e: string) =>
  `(CASE WHEN ${e}.direction = 'FromIntegrationTable' THEN ${e}.crm_id ELSE ${e}.erp_id END)`;

/**
 * An error is settled when its record was coupled after it, or synchronized in the error's
 * direction by a later pass, and has not failed in that direction since: the record is fine now.
 * The errors stay (the history); lists show open ones. The record's coupling is joined by either
 * identity (plain joins, not a correlated EXISTS with an OR: index look-ups for a page, hash joins
 * for a count). `e` names the error; its joins are `e_j` (its job), `e_ce`/`e_je` (the coupling
 * of its ERP record, that coupling's last job in the error's direction), `e_cc`/`e_jc` (CRM).
 */
const lastJob = (e: string, c: string) =>
  `CASE WHEN ${e}.direction = 'FromIntegrationTable' THEN ${c}.last_job_to_erp ELSE ${c}.last_job_to_crm END`;
const withCouplings = (e: string) => `integration.sync_errors ${e}
  JOIN integration.sync_jobs ${e}_j ON ${e}_j.id = ${e}.job_id
  LEFT JOIN integration.couplings ${e}_ce ON ${e}_ce.erp_table = ${e}.erp_table AND ${e}_ce.erp_id = ${e}.erp_id
  LEFT JOIN integration.sync_jobs ${e}_je ON ${e}_je.id = ${lastJob(e, `${e}_ce`)}
  LEFT JOIN integration.couplings ${e}_cc ON ${e}_cc.crm_entity = ${e}.crm_entity AND ${e}_cc.crm_id = ${e}.crm_id
  LEFT JOIN integration.sync_jobs ${e}_jc ON ${e}_jc.id = ${lastJob(e, `${e}_cc`)}`;
const settledBy = (e: string, c: string, j: string) =>
  `(${c}.id IS NOT NULL
    AND coalesce(CASE WHEN ${e}.direction = 'FromIntegrationTable' THEN ${c}.last_result_to_erp
          ELSE ${c}.last_result_to_crm END, 'Success') = 'Success'
    AND (${c}.created_at > ${e}.created_at
         OR (${j}.id IS NOT NULL AND ${j}.id <> ${e}.job_id AND ${j}.started_at > ${e}_j.started_at)))`;
const settled = (e: string) =>
  `(${settledBy(e, `${e}_ce`, `${e}_je`)} OR ${settledBy(e, `${e}_cc`, `${e}_jc`)})`;

const COLUMNS = `e.id, e.job_id AS "jobId", e.mapping_name AS mapping, e.direction,
  e.erp_table AS "erpTable", e.erp_id AS "erpId", e.crm_entity AS "crmEntity", e.crm_id AS "crmId",
  e.message, e.created_at AS "createdAt"`;

/**
 * The open errors' rows: one per record and direction, its latest failure (the record's error not
 * superseded, migration sync 039), when that is not settled; with a job, those whose latest
 * failure is the job's. A record whose latest failure is settled is fine, its earlier failures
 * with it (they are older than the pass that settled it).
 */
const OPEN = `${withCouplings('e')}
  WHERE NOT e.superseded AND ($1::text IS NULL OR e.mapping_name = $1)
    AND ($2::uuid IS NULL OR e.job_id = $2) AND NOT ${settled('e')}`;

/** The attempts of an open error: its record's failures in its direction not settled since. */
const ATTEMPTS = `CASE WHEN ${source('e')} IS NULL THEN 1 ELSE (
  SELECT count(*)::int FROM ${withCouplings('p')}
   WHERE p.mapping_name = e.mapping_name AND p.direction = e.direction
     AND ${source('p')} = ${source('e')} AND p.id <= e.id AND NOT ${settled('p')}) END`;

/** The history (`all`): every failure, settled ones saying so. */
const HISTORY = `${withCouplings('e')}
  WHERE ($1::text IS NULL OR e.mapping_name = $1) AND ($2::uuid IS NULL OR e.job_id = $2)`;

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
      ? `SELECT ${COLUMNS}, ${settled('e')} AS settled, NULL::int AS attempts FROM ${HISTORY}`
      : `SELECT ${COLUMNS}, false AS settled, ${ATTEMPTS} AS attempts FROM ${OPEN}`;
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
