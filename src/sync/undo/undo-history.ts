import type { Queryable } from '../../db/db.ts';
import { newId } from '../../shared/ids.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { JOB_ORGANIZATION } from '../engine/job-log.ts';
import type { PassDirection } from '../model.ts';

/** What a job's write history says it did to a record (docs/sync-engine.md, "Undo a job"). */
export const WRITE_ACTIONS = ['insert', 'modify', 'delete', 'deactivate', 'reactivate'] as const;
export type WriteAction = (typeof WRITE_ACTIONS)[number];
export type Side = 'erp' | 'crm';
export type Values = Record<string, unknown>;

/** The job an undo is asked for, as the log has it. */
export interface UndoneJob {
  readonly id: string;
  readonly mapping: string;
  readonly direction: PassDirection;
  readonly status: string;
  /** The CRM organization it ran against; null when none was recorded. */
  readonly crmOrganizationId: string | null;
  /** How it started (`schedule`, `manual`, `conflictResolution`, `undo`, …). */
  readonly trigger: string;
}

/** Everything one job did to one record, its rows folded in write order. */
export interface RecordHistory {
  readonly side: Side;
  readonly recordId: string;
  /** 'created' (inserted or reactivated), 'deleted', 'deactivated' or 'modified'. */
  readonly effect: 'created' | 'deleted' | 'deactivated' | 'modified';
  /** Per field, the value before the job's first write of it. */
  readonly before: Values;
  /** Per field, the value of the job's last write of it. */
  readonly after: Values;
  /** The record on the other side it was coupled with when deleted or deactivated. */
  readonly coupledId: string | null;
}

export async function findJob(db: Queryable, id: string): Promise<UndoneJob | undefined> {
  const r = await db.query<UndoneJob>(
    `SELECT id, mapping_name AS mapping, direction, status, crm_organization_id AS "crmOrganizationId",
       trigger FROM integration.sync_jobs WHERE id = $1`,
    [id],
  );
  return r.rows[0];
}

/** The undo of a job that counts (one that failed as a whole does not), if any. */
export async function undoOf(db: Queryable, jobId: string): Promise<string | undefined> {
  const r = await db.query<{ id: string }>(
    "SELECT id FROM integration.sync_jobs WHERE undo_of = $1 AND status <> 'failed'",
    [jobId],
  );
  return r.rows[0]?.id;
}

interface Row {
  side: Side;
  record_id: string;
  action: WriteAction;
  before: Values | null;
  after: Values | null;
  coupled_id: string | null;
}

/** The job's write history by record, in the order the job first wrote each record. */
export async function historyOf(db: Queryable, jobId: string): Promise<RecordHistory[]> {
  const r = await db.query<Row>(
    `SELECT side, record_id, action, before, after, coupled_id FROM integration.write_history_records
      WHERE job_id = $1 ORDER BY id, position`,
    [jobId],
  );
  const byRecord = new Map<string, Row[]>();
  for (const row of r.rows) {
    const key = `${row.side}|${row.record_id}`;
    byRecord.set(key, [...(byRecord.get(key) ?? []), row]);
  }
  return [...byRecord.values()].map(fold);
}

function fold(rows: Row[]): RecordHistory {
  const first = rows[0]!;
  const actions = new Set(rows.map((x) => x.action));
  const effect =
    actions.has('insert') || actions.has('reactivate')
      ? 'created'
      : actions.has('delete')
        ? 'deleted'
        : actions.has('deactivate')
          ? 'deactivated'
          : 'modified';
  const before: Values = {};
  const after: Values = {};
  let coupledId: string | null = null;
  for (const row of rows) {
    for (const [k, v] of Object.entries(row.before ?? {})) if (!(k in before)) before[k] = v;
    Object.assign(after, row.after ?? {});
    coupledId = row.coupled_id ?? coupledId;
  }
  return { side: first.side, recordId: first.record_id, effect, before, after, coupledId };
}

/**
 * Opens the undo's own job, linked to the job it undoes. A second undo of the same job is refused
 * here too (the unique index), not only by the caller's check.
 */
export async function beginUndoJob(db: Queryable, undone: UndoneJob): Promise<Result<string>> {
  const id = newId();
  try {
    await db.query(
      `INSERT INTO integration.sync_jobs (id, mapping_name, direction, type, trigger, undo_of, crm_organization_id)
       VALUES ($1, $2, $3, 'Undo', 'undo', $4, ${JOB_ORGANIZATION})`,
      [id, undone.mapping, undone.direction, undone.id],
    );
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    return failure('job_already_undone', `Job ${undone.id} has already been undone`);
  }
  return ok(id);
}

export interface UndoWrite {
  readonly side: Side;
  readonly recordId: string;
  readonly action: WriteAction;
  readonly before: Values | null;
  readonly after: Values | null;
  readonly coupledId?: string | null;
}

/** Records the undo's writes in its own history, so the undo can be undone in turn. */
export async function recordUndoWrites(
  db: Queryable,
  jobId: string,
  mapping: string,
  writes: readonly UndoWrite[],
): Promise<void> {
  if (writes.length === 0) return;
  await db.query(
    `INSERT INTO integration.write_history (job_id, mapping_name, side, record_id, action, before, after, coupled_id)
     SELECT $1, $2, w.side, w.record_id, w.action, w.before, w.after, w.coupled_id
     FROM jsonb_to_recordset($3::jsonb) AS w(side text, record_id uuid, action text, before jsonb, after jsonb, coupled_id uuid)`,
    [
      jobId,
      mapping,
      JSON.stringify(
        writes.map((w) => ({
          side: w.side,
          record_id: w.recordId,
          action: w.action,
          before: w.before,
          after: w.after,
          coupled_id: w.coupledId ?? null,
        })),
      ),
    ],
  );
}
