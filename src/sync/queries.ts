import type { Queryable } from '../db/db.ts';
import { type NotCreated, notCreatedSql } from './couplings/not-created.ts';
import { openErrorCounts } from './error-queries.ts';
import { COUNTER_COLUMNS, type JobCounters, type PassDirection } from './model.ts';
import type { Paging } from './paging.ts';

/** Read models of the integration log, shared by the API and the CLI. */

export type { Paging } from './paging.ts';

export interface CouplingView {
  id: string;
  mapping: string;
  erpTable: string;
  erpId: string;
  crmEntity: string;
  crmId: string;
  state: string;
  /** The side whose create failed and waits to be retried: its id leads nowhere yet. */
  notCreated: NotCreated;
  lastResultToCrm: string | null;
  lastResultToErp: string | null;
  lastErrorToCrm: string | null;
  lastErrorToErp: string | null;
  skipped: boolean;
  updatedAt: Date;
}

/** What a couplings list may be filtered by. */
export interface CouplingFilter {
  readonly mapping?: string;
  readonly erpId?: string;
  readonly crmId?: string;
  readonly skipped?: boolean;
}

/**
 * A coupling's place in the list order (mapping, creation, id). The creation time is kept as text
 * with its microseconds: a JavaScript Date would drop them, and the couplings a full
 * synchronization inserts in one transaction share one creation time, so only the id parts them.
 */
export interface CouplingKey {
  readonly mapping: string;
  readonly createdAt: string;
  readonly id: string;
}

/** A timestamp as a list key: text with its microseconds (a JavaScript Date would drop them). */
export const keyTime = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const COUPLING_WHERE = `($1::text IS NULL OR mapping_name = $1) AND ($2::uuid IS NULL OR erp_id = $2)
  AND ($3::uuid IS NULL OR crm_id = $3) AND ($4::boolean IS NULL OR skipped = $4)`;
const filterParams = (f: CouplingFilter) => [
  f.mapping ?? null,
  f.erpId ?? null,
  f.crmId ?? null,
  f.skipped ?? null,
];

/**
 * Couplings by mapping / record / skipped in a stable order, each with its key; `after` starts
 * past a key (keyset paging, served by couplings_list_order_idx) and `skip` skips from there.
 */
export async function listCouplingsKeyed(
  db: Queryable,
  f: CouplingFilter & Paging & { readonly after?: CouplingKey },
): Promise<{ view: CouplingView; key: CouplingKey }[]> {
  const r = await db.query<CouplingView & { createdKey: string }>(
    `SELECT id, mapping_name AS mapping, erp_table AS "erpTable", erp_id AS "erpId", crm_entity AS "crmEntity",
       crm_id AS "crmId", state, ${notCreatedSql('c')} AS "notCreated", last_result_to_crm AS "lastResultToCrm", last_result_to_erp AS "lastResultToErp",
       last_error_to_crm AS "lastErrorToCrm", last_error_to_erp AS "lastErrorToErp", skipped, updated_at AS "updatedAt",
       ${keyTime('created_at')} AS "createdKey"
     FROM integration.couplings c
     WHERE ${COUPLING_WHERE}
       AND ($7::text IS NULL OR (mapping_name, created_at, id) > ($7, $8::timestamptz, $9::uuid))
     ORDER BY mapping_name, created_at, id LIMIT $5 OFFSET $6`,
    [
      ...filterParams(f),
      f.top,
      f.skip,
      f.after?.mapping ?? null,
      f.after?.createdAt ?? null,
      f.after?.id ?? null,
    ],
  );
  return r.rows.map(({ createdKey, ...view }) => ({
    view,
    key: { mapping: view.mapping, createdAt: createdKey, id: view.id },
  }));
}

/** Couplings by mapping / record / skipped, in the list order. */
export async function listCouplings(
  db: Queryable,
  f: CouplingFilter & Paging,
): Promise<CouplingView[]> {
  return (await listCouplingsKeyed(db, f)).map((row) => row.view);
}

/** How many couplings the filter matches. */
export async function countCouplings(db: Queryable, f: CouplingFilter): Promise<number> {
  const r = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM integration.couplings WHERE ${COUPLING_WHERE}`,
    filterParams(f),
  );
  return Number(r.rows[0]?.n ?? 0);
}

export interface JobView extends JobCounters {
  id: string;
  mapping: string;
  direction: string;
  type: string;
  trigger: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  message: string | null;
  /** The job this one undid (an undo job), and the undo that undid this one, if any. */
  undoOf: string | null;
  undoneBy: string | null;
  /** The CRM organization the job ran against (its undo needs the connection there). */
  crmOrganizationId: string | null;
}

/** A job's place in the list order: newest first, by start, then id (two jobs may share a start). */
export interface JobKey {
  readonly startedAt: string;
  readonly id: string;
}

const JOB_WHERE = '($1::text IS NULL OR mapping_name = $1) AND ($2::uuid IS NULL OR id = $2)';

/**
 * Synchronization jobs, newest first, each with its key; `after` starts past a key (keyset paging,
 * served by sync_jobs_list_order_idx and sync_jobs_mapping_idx) and `skip` skips from there.
 */
export async function listJobsKeyed(
  db: Queryable,
  f: { mapping?: string; id?: string; after?: JobKey } & Paging,
): Promise<{ view: JobView; key: JobKey }[]> {
  const r = await db.query<JobView & { startedKey: string }>(
    `SELECT id, mapping_name AS mapping, direction, type, trigger, status, started_at AS "startedAt", finished_at AS "finishedAt",
       ${COUNTER_COLUMNS}, message, undo_of AS "undoOf", crm_organization_id AS "crmOrganizationId",
       (SELECT u.id FROM integration.sync_jobs u WHERE u.undo_of = j.id AND u.status <> 'failed' LIMIT 1) AS "undoneBy",
       ${keyTime('started_at')} AS "startedKey"
     FROM integration.sync_jobs j WHERE ${JOB_WHERE}
       AND ($5::text IS NULL OR (started_at, id) < ($5::timestamptz, $6::uuid))
     ORDER BY started_at DESC, id DESC LIMIT $3 OFFSET $4`,
    [
      f.mapping ?? null,
      f.id ?? null,
      f.top,
      f.skip,
      f.after?.startedAt ?? null,
      f.after?.id ?? null,
    ],
  );
  return r.rows.map(({ startedKey, ...view }) => ({
    view,
    key: { startedAt: startedKey, id: view.id },
  }));
}

/** Synchronization jobs, newest first. */
export async function listJobs(
  db: Queryable,
  f: { mapping?: string; id?: string } & Paging,
): Promise<JobView[]> {
  return (await listJobsKeyed(db, f)).map((row) => row.view);
}

/** How many jobs the filter matches. */
export async function countJobs(db: Queryable, f: { mapping?: string }): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM integration.sync_jobs WHERE ${JOB_WHERE}`,
    [f.mapping ?? null, null],
  );
  return r.rows[0]?.n ?? 0;
}

export {
  countErrors,
  type ErrorFilter,
  type ErrorKey,
  type ErrorView,
  listErrors,
  listErrorsKeyed,
  openErrorCounts,
} from './error-queries.ts';

/** One row of a job's write history: a value the engine wrote, with the value before it. */
export interface WriteView {
  side: 'erp' | 'crm';
  recordId: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  createdAt: Date;
}

/** A job's write history in write order (both sides: an `ask` job writes back to its source). */
export async function listWrites(
  db: Queryable,
  f: { jobId: string } & Paging,
): Promise<{ total: number; value: WriteView[] }> {
  const [total, rows] = await Promise.all([
    db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM integration.write_history_records WHERE job_id = $1',
      [f.jobId],
    ),
    db.query<WriteView>(
      `SELECT side, record_id AS "recordId", action, before, after, created_at AS "createdAt"
       FROM integration.write_history_records WHERE job_id = $1 ORDER BY id, position LIMIT $2 OFFSET $3`,
      [f.jobId, f.top, f.skip],
    ),
  ]);
  return { total: total.rows[0]?.n ?? 0, value: rows.rows };
}

export interface MappingStats {
  /**
   * Open record errors (not settled since by a coupling or a successful synchronization of the
   * record): what `kobling errors --mapping M` lists, not every failure the jobs ever counted.
   */
  readonly errors: number;
  readonly skipped: number;
  readonly lastRunAt: Date | null;
  /**
   * The last pass's status; one a shutdown or a stop of its full synchronization cut (failed as
   * "Stopped by …") reads `interrupted` or `stopped`, as in `kobling status`.
   */
  readonly lastRunStatus: string | null;
  /**
   * The newest pass that is the last of its direction and failed (the pass itself, not a record):
   * a bidirectional mapping whose other direction ran later still shows it. Passes a shutdown or
   * a stop cut are passed over: they are no failure.
   */
  readonly lastFailure: {
    readonly direction: PassDirection;
    readonly message: string | null;
    readonly at: Date;
  } | null;
}

/** Per mapping: open record errors, skipped couplings, the last run and its failure. */
export async function mappingStats(db: Queryable): Promise<Map<string, MappingStats>> {
  const openErrors = await openErrorCounts(db);
  const r = await db.query<{
    name: string;
    skipped: number;
    last_run: Date | null;
    last_status: string | null;
    last_failure: { direction: PassDirection; message: string | null; at: string } | null;
  }>(
    `SELECT m.name,
       (SELECT count(*)::int FROM integration.couplings c WHERE c.mapping_name = m.name AND c.skipped) AS skipped,
       (SELECT max(j.started_at) FROM integration.sync_jobs j WHERE j.mapping_name = m.name) AS last_run,
       (SELECT CASE WHEN j.status <> 'failed' OR j.message IS NULL THEN j.status
                    WHEN j.message = 'Stopped by shutdown' THEN 'interrupted'
                    WHEN j.message LIKE 'Stopped by %' THEN 'stopped' ELSE j.status END
          FROM integration.sync_jobs j WHERE j.mapping_name = m.name
         ORDER BY j.started_at DESC LIMIT 1) AS last_status,
       (SELECT json_build_object('direction', d.direction, 'message', d.message, 'at', d.started_at)
          FROM (SELECT DISTINCT ON (j.direction) j.direction, j.status, j.message, j.started_at
                  FROM integration.sync_jobs j WHERE j.mapping_name = m.name
                   AND NOT (j.status = 'failed' AND coalesce(j.message, '') LIKE 'Stopped by %')
                 ORDER BY j.direction, j.started_at DESC) d
         WHERE d.status = 'failed' ORDER BY d.started_at DESC LIMIT 1) AS last_failure
     FROM integration.table_mappings m`,
  );
  return new Map(
    r.rows.map((s) => [
      s.name,
      {
        errors: openErrors.get(s.name) ?? 0,
        skipped: s.skipped,
        lastRunAt: s.last_run,
        lastRunStatus: s.last_status,
        lastFailure: s.last_failure
          ? {
              direction: s.last_failure.direction,
              message: s.last_failure.message,
              at: new Date(s.last_failure.at),
            }
          : null,
      },
    ]),
  );
}
