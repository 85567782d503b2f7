import { plural } from '../../shared/plural.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { causedByShutdown } from '../../shared/stopping.ts';
import { connectedOrganization } from '../connection/connection-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { finishJob, logRecordError } from '../engine/job-log.ts';
import { COUNTER_NAMES, emptyCounters, type JobCounters, type TableMapping } from '../model.ts';
import { carryOut, newOutcome } from './undo-apply.ts';
import { type Dependent, dependentsMessage } from './undo-dependents.ts';
import { beginUndoJob, findJob, type Side, type UndoneJob, undoOf } from './undo-history.ts';
import { type NotRestored, planUndo, type SkippedRecord, type UndoPlan } from './undo-plan.ts';

/**
 * A record of the report with what users call it (src/sync/record-names.ts): its number and name
 * as read for the undo, or as it is re-created; null when it no longer exists.
 */
export type Named<T> = T & { readonly name: string | null };

/** What an undo did, or (preview) would do. */
export interface UndoReport {
  readonly undoneJobId: string;
  /** The undo's own job; null for a preview. */
  readonly undoJobId: string | null;
  readonly preview: boolean;
  readonly mapping: string;
  /** The mapping's tables: the `erp` records are of `erpTable`, the `crm` ones of `crmEntity`. */
  readonly erpTable: string;
  readonly crmEntity: string;
  readonly status: 'preview' | 'succeeded' | 'failed';
  readonly counters: JobCounters;
  readonly message: string;
  /** Records whose fields get (got) their values before the job back. */
  readonly restored: readonly Named<{
    side: Side;
    recordId: string;
    fields: readonly string[];
    /** Preview: per field, its value now and the value it gets back. */
    changes?: Readonly<Record<string, { current: unknown; restore: unknown }>>;
  }>[];
  /** Fields left as they are, each with its value now: changed since the job, and the like. */
  readonly notRestored: readonly Named<NotRestored>[];
  /** Records the job created, deleted (or deactivated) and uncoupled. */
  readonly removed: readonly Named<{ side: Side; recordId: string; how: string }>[];
  /** Records the job deleted, created again (and coupled with their former partner). */
  readonly recreated: readonly Named<{
    side: Side;
    recordId: string;
    coupledWith: string | null;
  }>[];
  readonly skipped: readonly Named<SkippedRecord>[];
  readonly failed: readonly Named<{ side: Side; recordId: string; message: string }>[];
  /**
   * Records of other mappings that refer to records the undo would delete (CONTACT's contacts of a
   * CUSTOMER job's accounts). While there are any the undo is refused with `refusal`.
   */
  readonly dependents: readonly Dependent[];
  /** Why the undo would be refused (preview): `undo_has_dependents`; null when it would run. */
  readonly refusal: { readonly code: 'undo_has_dependents'; readonly message: string } | null;
}

/**
 * Checks that a job can be undone: it exists, has finished, has not been undone, ran against the
 * CRM organization the connection reaches now, and its mapping is known.
 */
export async function undoable(
  ctx: EngineContext,
  jobId: string,
): Promise<Result<{ job: UndoneJob; mapping: TableMapping }>> {
  const job = await findJob(ctx.db, jobId);
  if (!job) return failure('not_found', `No synchronization job ${jobId}`);
  if (job.status === 'running')
    return failure('job_running', `Job ${jobId} is still running; undo it when it has finished`);
  const undo = await undoOf(ctx.db, jobId);
  if (undo)
    return failure(
      'job_already_undone',
      `Job ${jobId} has already been undone by job ${undo}; undo that job to bring its changes back`,
    );
  const other = await otherOrganization(ctx, job);
  if (other) return other;
  const mapping = ctx.mappings.get(job.mapping);
  if (!mapping)
    return failure('not_found', `The mapping ${job.mapping} of job ${jobId} no longer exists`);
  return ok({ job, mapping });
}

/**
 * A job's write history names records of the organization it ran against: after a move to another
 * one (docs/sync-engine.md, "Connection address and organization") its CRM ids are not records of
 * the connected organization, or worse, ids that happen to exist there. Its ERP writes are refused
 * with them: a job is undone whole, and restoring them alone would re-create or remove ERP records
 * whose CRM partners stay as they are in the other organization. Unknown on either side (nothing
 * recorded): not refused.
 */
async function otherOrganization(ctx: EngineContext, job: UndoneJob) {
  const ran = job.crmOrganizationId?.toLowerCase();
  const now = (await connectedOrganization(ctx.db))?.toLowerCase();
  if (!ran || !now || ran === now) return undefined;
  return failure(
    'job_of_other_organization',
    `Job ${job.id} wrote to Dynamics 365 organization ${ran}; the connection now points at organization ${now}. Move the connection back to ${ran} to undo it (its ERP writes too: a job is undone whole).`,
  );
}

/** What undoing the job would do, computed exactly as the undo computes it; writes nothing. */
export async function previewUndo(ctx: EngineContext, jobId: string): Promise<Result<UndoReport>> {
  const checked = await undoable(ctx, jobId);
  if (!checked.ok) return checked;
  const plan = await planUndo(ctx, checked.value.job, checked.value.mapping);
  if (!plan.ok) return plan;
  return ok(previewReport(plan.value));
}

/**
 * Undoes a job (docs/sync-engine.md, "Undo a job") as a job of its own. The caller holds the
 * mapping's lock, so no synchronization of the mapping runs meanwhile.
 */
export async function undoJob(ctx: EngineContext, jobId: string): Promise<Result<UndoReport>> {
  const checked = await undoable(ctx, jobId);
  if (!checked.ok) return checked;
  const plan = await planUndo(ctx, checked.value.job, checked.value.mapping);
  if (!plan.ok) return plan;
  const refused = refusalOf(plan.value);
  if (refused) return failure(refused.code, refused.message);
  const begun = await beginUndoJob(ctx.db, checked.value.job);
  if (!begun.ok) return begun;
  const undoJobId = begun.value;
  const outcome = newOutcome();
  try {
    await carryOut(ctx, plan.value, undoJobId, outcome);
  } catch (err) {
    // Its writes so far are in its history: the failed undo can be undone, or the job undone again.
    const message = `The undo stopped: ${(err as Error).message}`;
    if (causedByShutdown(err)) ctx.logger.warn({ job: jobId }, 'undo stopped by shutdown');
    else ctx.logger.error({ err, job: jobId }, 'undo failed');
    await finishJob(ctx.db, undoJobId, outcome.counters, { status: 'failed', message });
    throw err;
  }
  await reportNotRestored(ctx, plan.value, undoJobId);
  const message = summary(outcome.counters, plan.value.notRestored.length);
  await finishJob(ctx.db, undoJobId, outcome.counters, { status: 'succeeded', message });
  ctx.logger.info(
    {
      jobId: jobId,
      undoJobId,
      mapping: checked.value.mapping.name,
      counters: outcome.counters,
      notRestored: plan.value.notRestored.length,
    },
    'undo done',
  );
  const named = naming(plan.value);
  return ok({
    ...base(plan.value),
    undoJobId,
    preview: false,
    status: 'succeeded',
    counters: outcome.counters,
    message,
    restored: outcome.restored.map(named),
    removed: outcome.removed.map(named),
    recreated: outcome.recreated.map(named),
    failed: outcome.failed.map(named),
  });
}

/** Adds to a record of the report the name the plan read for it. */
const naming =
  (plan: UndoPlan) =>
  <T extends { side: Side; recordId: string }>(x: T): Named<T> => ({
    ...x,
    name: plan.names.get(`${x.side}|${x.recordId}`) ?? null,
  });

/** The undo deletes no record that records of other mappings still refer to. */
const refusalOf = (plan: UndoPlan): UndoReport['refusal'] =>
  plan.dependents.length === 0
    ? null
    : {
        code: 'undo_has_dependents',
        message: dependentsMessage(plan.job.id, plan.mapping, plan.dependents),
      };

const base = (plan: UndoPlan) => ({
  dependents: plan.dependents,
  refusal: refusalOf(plan),
  undoneJobId: plan.job.id,
  mapping: plan.mapping.name,
  erpTable: plan.mapping.erpTable,
  crmEntity: plan.mapping.crmEntity,
  notRestored: plan.notRestored.map(naming(plan)),
  skipped: plan.skipped.map(naming(plan)),
});

function previewReport(plan: UndoPlan): UndoReport {
  const counters = emptyCounters();
  const restores = plan.restores.filter((s) => Object.keys(s.changes).length > 0 || s.recouple);
  counters.modified = restores.length;
  counters.skipped = plan.restores.length - restores.length + plan.skipped.length;
  const removals = plan.removals.filter((s) => s.how !== 'impossible');
  counters.deleted = removals.filter((s) => s.how !== 'gone').length;
  counters.uncoupled = removals.filter((s) => s.coupling).length;
  counters.failed = plan.removals.length - removals.length;
  counters.inserted = plan.recreates.length;
  counters.coupled =
    plan.recreates.filter((s) => s.coupledId).length + restores.filter((s) => s.recouple).length;
  const named = naming(plan);
  return {
    ...base(plan),
    undoJobId: null,
    preview: true,
    status: 'preview',
    counters,
    message: plan.dependents.length
      ? `${summary(counters, plan.notRestored.length)}; refused: ${plural(plan.dependents.length, 'record')} of other mappings refer to records it would delete`
      : summary(counters, plan.notRestored.length),
    restored: restores.map((s) =>
      named({
        side: s.side,
        recordId: s.recordId,
        fields: Object.keys(s.changes),
        changes: Object.fromEntries(
          Object.entries(s.changes).map(([k, v]) => [k, { current: s.current[k], restore: v }]),
        ),
      }),
    ),
    removed: removals.map((s) => named({ side: s.side, recordId: s.recordId, how: s.how })),
    recreated: plan.recreates.map((s) =>
      named({ side: s.side, recordId: s.recordId, coupledWith: s.coupledId }),
    ),
    failed: plan.removals
      .filter((s) => s.how === 'impossible')
      .map((s) =>
        named({
          side: s.side,
          recordId: s.recordId,
          message: 'can be neither deleted nor deactivated',
        }),
      ),
  };
}

/** Fields left as they are go to the undo's log, each with its value now. */
async function reportNotRestored(ctx: EngineContext, plan: UndoPlan, jobId: string) {
  const m = plan.mapping;
  for (const n of plan.notRestored) {
    const why =
      n.reason === 'changed_since' ? `it changed since job ${plan.job.id}` : 'it cannot be read';
    await logRecordError(ctx.db, jobId, m.name, plan.job.direction, {
      erpTable: m.erpTable,
      erpId: n.side === 'erp' ? n.recordId : null,
      crmEntity: m.crmEntity,
      crmId: n.side === 'crm' ? n.recordId : null,
      message: `${n.field} was not restored: ${why} (now ${show(n.current)}; the job wrote ${show(n.jobValue)}, before it was ${show(n.before)})`,
    });
  }
}

const show = (v: unknown) => (v === undefined ? 'unknown' : JSON.stringify(v));

const summary = (c: JobCounters, notRestored: number): string => {
  const done =
    COUNTER_NAMES.filter((k) => c[k] > 0)
      .map((k) => `${c[k]} ${k}`)
      .join(', ') || 'nothing to undo';
  return notRestored > 0
    ? `${done}; ${plural(notRestored, 'field')} left as ${notRestored === 1 ? 'it is' : 'they are'} (changed since the job)`
    : done;
};
