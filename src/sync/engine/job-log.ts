import type { Queryable } from '../../db/db.ts';
import { newId } from '../../shared/ids.ts';
import type { Logger } from '../../shared/logger.ts';
import { causedByShutdown } from '../../shared/stopping.ts';
import { settledIn, source } from '../error-settlement.ts';
import { COUNTER_NAMES, type JobCounters, type PassDirection } from '../model.ts';

/**
 * Opens a synchronization job (BC: Integration Synch. Job) for one pass of a mapping, stamped with
 * the CRM organization the connection reaches now: its writes name that organization's records
 * (an undo after a move to another one is refused, src/sync/undo/undo-job.ts).
 */
export async function beginJob(
  db: Queryable,
  mappingName: string,
  direction: PassDirection,
  trigger: string,
  type: 'Synchronization' | 'Coupling' | 'Uncoupling' = 'Synchronization',
): Promise<string> {
  const id = newId();
  await db.query(
    `INSERT INTO integration.sync_jobs (id, mapping_name, direction, type, trigger, crm_organization_id)
     VALUES ($1, $2, $3, $4, $5, ${JOB_ORGANIZATION})`,
    [id, mappingName, direction, type, trigger],
  );
  return id;
}

/** The organization a job starts against: the one the connection last reached. */
export const JOB_ORGANIZATION =
  '(SELECT crm_organization_id FROM integration.connection WHERE id = 1)';

/** `inserted = $n, modified = $n+1, …` for the counters, numbered from `first`. */
const counterAssignments = (first: number): string =>
  COUNTER_NAMES.map((k, i) => `${k} = $${first + i}`).join(', ');

const counterValues = (c: JobCounters): number[] => COUNTER_NAMES.map((k) => c[k]);

/** Closes a job with its counters; a job with failed records is still 'succeeded' as a run. */
export async function finishJob(
  db: Queryable,
  id: string,
  counters: JobCounters,
  outcome: { status: 'succeeded' | 'failed'; message?: string },
): Promise<void> {
  await db.query(
    `UPDATE integration.sync_jobs SET status = $2, finished_at = now(), message = $3, ${counterAssignments(4)}
     WHERE id = $1`,
    [id, outcome.status, outcome.message ?? null, ...counterValues(counters)],
  );
}

/**
 * Closes a job the process's stop (or its run's signal) cut: failed with `message` ("Stopped by
 * shutdown", "Stopped by admin") and the counters of what it wrote. When the database went with
 * the stop, the job stays `running` until the dead-job sweep settles it (as after a crash).
 */
export async function closeCutJob(
  db: Queryable,
  logger: Logger,
  job: { readonly jobId: string; readonly [field: string]: unknown },
  counters: () => Promise<JobCounters> | JobCounters,
  message: string,
): Promise<void> {
  try {
    await finishJob(db, job.jobId, await counters(), { status: 'failed', message });
  } catch (err) {
    if (!causedByShutdown(err)) throw err;
    logger.debug({ ...job, err }, 'job not closed: the database went with the stop');
  }
}

/** Stores counters while a job runs, so progress is visible. */
/**
 * Removes jobs that succeeded without handling a single record (every counter 0, no error): a
 * real-time run woken by a change outside the mapping's filter would otherwise fill the
 * synchronization log with empty lines. Answers how many went.
 */
export async function discardEmptyJobs(db: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db.query(
    `DELETE FROM integration.sync_jobs j
      WHERE j.id = ANY($1::uuid[]) AND j.status = 'succeeded'
        AND j.inserted + j.modified + j.unchanged + j.skipped + j.failed + j.deleted + j.uncoupled + j.coupled = 0
        AND NOT EXISTS (SELECT 1 FROM integration.sync_errors e WHERE e.job_id = j.id)
        AND NOT EXISTS (SELECT 1 FROM integration.write_history w WHERE w.job_id = j.id)
        AND NOT EXISTS (SELECT 1 FROM integration.sync_jobs u WHERE u.undo_of = j.id)`,
    [ids],
  );
  return r.rowCount ?? 0;
}

export async function saveProgress(db: Queryable, id: string, c: JobCounters): Promise<void> {
  await db.query(`UPDATE integration.sync_jobs SET ${counterAssignments(2)} WHERE id = $1`, [
    id,
    ...counterValues(c),
  ]);
}

export interface RecordError {
  readonly erpTable: string;
  readonly erpId: string | null;
  readonly crmEntity: string;
  readonly crmId: string | null;
  readonly message: string;
  readonly detail?: string;
}

/**
 * Logs one record's failure with both identities (BC: Integration Synch. Job Errors). In the same
 * statement the record's latest failure in this direction so far is marked superseded: the open
 * errors are the latest ones (src/sync/error-queries.ts), found without grouping every failure.
 * The record is the pass's source record, the index expression of migration sync 039.
 * The failure's `attempt` continues that latest failure's count, or starts at 1 when that one is
 * settled (the record was coupled or synchronized in this direction since, migration sync 041):
 * read now, before the pass marks the coupling failed (failRecord), the coupling still holds the
 * settlement, which it forgets once it fails again.
 */
export async function logRecordError(
  db: Queryable,
  jobId: string,
  mappingName: string,
  direction: PassDirection,
  e: RecordError,
): Promise<void> {
  await db.query(
    `WITH previous AS (
       SELECT p.id, CASE WHEN ${settledIn('p', direction)} THEN 0 ELSE p.attempt END AS attempt
         FROM integration.sync_errors p
        WHERE $10::uuid IS NOT NULL AND p.mapping_name = $2 AND p.direction = $3
          AND ${source('p')} = $10::uuid AND NOT p.superseded),
     superseded AS (
       UPDATE integration.sync_errors SET superseded = true WHERE id IN (SELECT id FROM previous))
     INSERT INTO integration.sync_errors (job_id, mapping_name, direction, erp_table, erp_id, crm_entity, crm_id, message, detail, attempt)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
             1 + coalesce((SELECT attempt FROM previous ORDER BY id DESC LIMIT 1), 0))`,
    [
      jobId,
      mappingName,
      direction,
      e.erpTable,
      e.erpId,
      e.crmEntity,
      e.crmId,
      e.message.slice(0, 2048),
      e.detail ?? null,
      direction === 'FromIntegrationTable' ? e.crmId : e.erpId,
    ],
  );
}

/**
 * A write of the history. A synchronization's create has no `after`: the record holds what was
 * written and its undo deletes it, so storing every value of every record a full synchronization
 * creates cost a third of its bookkeeping for nothing read back (docs/sync-engine.md, "Undo a job").
 */
export interface WriteRecord {
  readonly jobId: string;
  readonly mappingName: string;
  readonly side: 'erp' | 'crm';
  readonly recordId: string;
  readonly action: 'insert' | 'modify';
  readonly before?: unknown;
  readonly after?: unknown;
}

/** The given fields of a record's values (null when absent): what a write is about to change. */
export const valuesOf = (values: Readonly<Record<string, unknown>>, keys: readonly string[]) =>
  Object.fromEntries(keys.map((k) => [k, values[k] ?? null]));

/**
 * Records many writes. The creates without values of one job, mapping and side share a row
 * (`record_ids`, migration sync 045): a full synchronization's chunk of 1,000 creates is one row,
 * not a thousand. Readers see a row per record through `integration.write_history_records`.
 */
export async function recordWrites(db: Queryable, writes: readonly WriteRecord[]): Promise<void> {
  const each = writes.filter((w) => !sharesRow(w));
  const shared = new Map<string, WriteRecord[]>();
  for (const w of writes.filter(sharesRow)) {
    const key = `${w.jobId}|${w.mappingName}|${w.side}`;
    const group = shared.get(key);
    if (group) group.push(w);
    else shared.set(key, [w]);
  }
  await Promise.all([
    ...[...shared.values()].map((group) =>
      db.query(
        `INSERT INTO integration.write_history (job_id, mapping_name, side, action, record_ids)
         VALUES ($1, $2, $3, 'insert', $4::uuid[])`,
        [group[0]!.jobId, group[0]!.mappingName, group[0]!.side, group.map((x) => x.recordId)],
      ),
    ),
    each.length > 0 &&
      db.query(
        `INSERT INTO integration.write_history (job_id, mapping_name, side, record_id, action, before, after)
         SELECT w.job_id, w.mapping_name, w.side, w.record_id, w.action, w.before, w.after
         FROM jsonb_to_recordset($1::jsonb) AS w(job_id uuid, mapping_name text, side text, record_id uuid, action text, before jsonb, after jsonb)`,
        [
          JSON.stringify(
            each.map((w) => ({
              job_id: w.jobId,
              mapping_name: w.mappingName,
              side: w.side,
              record_id: w.recordId,
              action: w.action,
              before: w.before ?? null,
              after: w.after ?? null,
            })),
          ),
        ],
      ),
  ]);
}

/** A create whose history holds no values (see `WriteRecord`). */
const sharesRow = (w: WriteRecord) =>
  w.action === 'insert' && w.before === undefined && w.after === undefined;

/**
 * How many records a pass's job wrote on its own source side: the fields only the destination
 * changed, written back under the policy `ask` (ask-settle.ts). Read from the write history, so
 * the job's message says what the history holds.
 */
export async function countWrittenBack(
  db: Queryable,
  jobId: string,
  pass: PassDirection,
): Promise<number> {
  const r = await db.query<{ n: number }>(
    'SELECT count(DISTINCT record_id)::int AS n FROM integration.write_history_records WHERE job_id = $1 AND side = $2',
    [jobId, pass === 'ToIntegrationTable' ? 'erp' : 'crm'],
  );
  return r.rows[0]?.n ?? 0;
}

/**
 * How many records a job left held in the conflict inbox (policy `ask`): the records of the open
 * entries it opened or updated. Their held fields were not written, so the job's message says so.
 */
export async function countHeld(db: Queryable, jobId: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(DISTINCT coupling_id)::int AS n FROM integration.conflicts
      WHERE job_id = $1 AND state = 'open'`,
    [jobId],
  );
  return r.rows[0]?.n ?? 0;
}

/** Records a value the engine wrote (history for audit and undo). */
export async function recordWrite(
  db: Queryable,
  w: {
    jobId: string;
    mappingName: string;
    side: 'erp' | 'crm';
    recordId: string;
    action: 'insert' | 'modify';
    before?: unknown;
    after: unknown;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO integration.write_history (job_id, mapping_name, side, record_id, action, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      w.jobId,
      w.mappingName,
      w.side,
      w.recordId,
      w.action,
      w.before === undefined ? null : JSON.stringify(w.before),
      JSON.stringify(w.after),
    ],
  );
}
