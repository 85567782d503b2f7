import {
  couplingsByCrmIds,
  couplingsByErpIds,
  deleteCoupling,
  insertCoupling,
  markSynced,
} from '../couplings/coupling-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { logRecordError } from '../engine/job-log.ts';
import { emptyCounters, type JobCounters, type TableMapping } from '../model.ts';
import type { CrmWrite } from '../ports.ts';
import { settleUndoBaselines } from './undo-baselines.ts';
import { recordUndoWrites, type Side, type UndoWrite, type Values } from './undo-history.ts';
import type { RecreateStep, RemoveStep, RestoreStep, UndoPlan } from './undo-plan.ts';
import { forWrite } from './undo-values.ts';

/** What an undo did, record by record. */
export interface UndoOutcome {
  readonly counters: JobCounters;
  readonly restored: { side: Side; recordId: string; fields: string[] }[];
  readonly removed: { side: Side; recordId: string; how: 'delete' | 'deactivate' | 'gone' }[];
  readonly recreated: { side: Side; recordId: string; coupledWith: string | null }[];
  readonly failed: { side: Side; recordId: string; message: string }[];
}

interface Run {
  readonly ctx: EngineContext;
  readonly m: TableMapping;
  readonly jobId: string;
  readonly out: UndoOutcome;
  /** The undone job settled conflict-inbox entries: what it restores is agreed by nobody. */
  readonly undoesResolution: boolean;
}

const CHUNK = 500;

/**
 * Carries out an undo plan as job `jobId`, into `out` (what is done so far, when it stops): restores, then removals, then re-creates; each step's
 * writes go to the undo's own history as soon as they are made, so an undo stopped half-way can
 * itself be undone. A record that fails is logged and never blocks the others.
 */
export async function carryOut(
  ctx: EngineContext,
  plan: UndoPlan,
  jobId: string,
  out: UndoOutcome,
): Promise<void> {
  const run: Run = {
    ctx,
    m: plan.mapping,
    jobId,
    out,
    undoesResolution: plan.job.trigger === 'conflictResolution',
  };
  const { counters } = run.out;
  counters.skipped += plan.skipped.length;
  const restores = plan.restores.filter((s) => Object.keys(s.changes).length > 0 || s.recouple);
  counters.skipped += plan.restores.length - restores.length;
  for (let i = 0; i < restores.length; i += CHUNK)
    await restoreChunk(run, restores.slice(i, i + CHUNK));
  for (let i = 0; i < plan.removals.length; i += CHUNK)
    await removeChunk(run, plan.removals.slice(i, i + CHUNK));
  for (const step of plan.recreates) await recreate(run, step);
}

export const newOutcome = (): UndoOutcome => ({
  counters: emptyCounters(),
  restored: [],
  removed: [],
  recreated: [],
  failed: [],
});

async function fail(
  run: Run,
  side: Side,
  recordId: string,
  coupledId: string | null,
  message: string,
) {
  const { ctx, m, jobId } = run;
  run.out.counters.failed++;
  run.out.failed.push({ side, recordId, message });
  await logRecordError(
    ctx.db,
    jobId,
    m.name,
    side === 'crm' ? 'ToIntegrationTable' : 'FromIntegrationTable',
    {
      erpTable: m.erpTable,
      erpId: side === 'erp' ? recordId : coupledId,
      crmEntity: m.crmEntity,
      crmId: side === 'crm' ? recordId : coupledId,
      message,
    },
  );
}

const otherId = (side: Side, c: { erpId: string; crmId: string } | undefined) =>
  c ? (side === 'erp' ? c.crmId : c.erpId) : null;

/**
 * Writes values to records of one side: ERP rows one by one, CRM rows in one `$batch`. Answers,
 * per record, null when written or the failure's message.
 */
async function writeSide(
  run: Run,
  side: Side,
  writes: readonly { recordId: string; values: Values; create?: boolean }[],
): Promise<(string | null)[]> {
  const { ctx, m } = run;
  if (writes.length === 0) return [];
  if (side === 'erp') {
    const out: (string | null)[] = [];
    for (const w of writes) {
      const r = w.create
        ? await ctx.erp.insert(m.erpTable, w.values, w.recordId)
        : await ctx.erp.update(m.erpTable, w.recordId, w.values);
      out.push(r.ok ? null : r.error.message);
    }
    return out;
  }
  const batch: CrmWrite[] = writes.map((w) => ({
    kind: w.create ? 'create' : 'update',
    entity: m.crmEntity,
    id: w.recordId,
    values: forWrite(m, ctx.mappings, 'crm', w.values),
  }));
  const r = await ctx.crm.write(batch);
  if (!r.ok) return writes.map(() => `Writing to the CRM failed: ${r.error.message}`);
  return r.value.map((x) => (x.ok ? null : x.message));
}

async function restoreChunk(run: Run, steps: readonly RestoreStep[]): Promise<void> {
  const history: UndoWrite[] = [];
  const failed = new Set<RestoreStep>();
  for (const side of ['erp', 'crm'] as const) {
    const mine = steps.filter((s) => s.side === side && Object.keys(s.changes).length > 0);
    const results = await writeSide(
      run,
      side,
      mine.map((s) => ({ recordId: s.recordId, values: s.changes })),
    );
    for (const [i, s] of mine.entries()) {
      const error = results[i];
      if (error) {
        failed.add(s);
        await fail(run, side, s.recordId, otherId(side, s.coupling), `Restoring failed: ${error}`);
        continue;
      }
      run.out.counters.modified++;
      run.out.restored.push({ side, recordId: s.recordId, fields: Object.keys(s.changes) });
      history.push({
        side,
        recordId: s.recordId,
        action: s.recouple ? 'reactivate' : 'modify',
        before: s.current,
        after: s.changes,
      });
    }
  }
  await recordUndoWrites(run.ctx.db, run.jobId, run.m.name, history);
  await settleUndoBaselines(
    run.ctx,
    run.m,
    steps.filter((s) => !failed.has(s) && Object.keys(s.changes).length > 0),
    run.undoesResolution,
  );
  // A reactivated record is coupled again with its former partner (not when reactivating failed).
  for (const s of steps)
    if (s.recouple && !failed.has(s)) await couple(run, s.side, s.recordId, s.recouple);
}

async function removeChunk(run: Run, steps: readonly RemoveStep[]): Promise<void> {
  const { ctx, m } = run;
  const history: UndoWrite[] = [];
  const removed = (s: RemoveStep, how: 'delete' | 'deactivate' | 'gone') => {
    if (how !== 'gone') run.out.counters.deleted++;
    run.out.removed.push({ side: s.side, recordId: s.recordId, how });
    const coupledId = otherId(s.side, s.coupling);
    if (how === 'delete')
      history.push({ ...at(s), action: 'delete', before: s.values, after: null, coupledId });
    if (how === 'deactivate')
      history.push({
        ...at(s),
        action: 'deactivate',
        before: s.state,
        after: s.deactivate!,
        coupledId,
      });
  };
  const deactivate: RemoveStep[] = [];
  for (const s of steps) {
    if (s.how === 'gone') removed(s, 'gone');
    if (s.how === 'deactivate') deactivate.push(s);
    if (s.how === 'impossible')
      await fail(
        run,
        s.side,
        s.recordId,
        otherId(s.side, s.coupling),
        `Records of ${s.side === 'erp' ? m.erpTable : m.crmEntity} can be neither deleted nor deactivated`,
      );
  }
  for (const side of ['erp', 'crm'] as const) {
    const mine = steps.filter((s) => s.side === side && s.how === 'delete');
    const refusals = await deleteSide(
      run,
      side,
      mine.map((s) => s.recordId),
    );
    for (const [i, s] of mine.entries()) {
      const refusal = refusals[i];
      if (refusal === null) removed(s, 'delete');
      else if (refusal === 'not found') removed(s, 'gone');
      // Still used by other records (or not deletable): deactivated instead, as a user would.
      else if (s.deactivate) deactivate.push(s);
      else
        await fail(run, side, s.recordId, otherId(side, s.coupling), `Deleting failed: ${refusal}`);
    }
  }
  for (const side of ['erp', 'crm'] as const) {
    const mine = deactivate.filter((s) => s.side === side);
    const results = await writeSide(
      run,
      side,
      mine.map((s) => ({ recordId: s.recordId, values: s.deactivate! })),
    );
    for (const [i, s] of mine.entries()) {
      if (results[i])
        await fail(
          run,
          side,
          s.recordId,
          otherId(side, s.coupling),
          `Deactivating failed: ${results[i]}`,
        );
      else removed(s, 'deactivate');
    }
  }
  await recordUndoWrites(ctx.db, run.jobId, m.name, history);
  const gone = new Set(run.out.removed.map((r) => `${r.side}|${r.recordId}`));
  for (const s of steps) {
    if (!s.coupling || !gone.has(`${s.side}|${s.recordId}`)) continue;
    if (await deleteCoupling(ctx.db, s.coupling.id)) run.out.counters.uncoupled++;
  }
}

const at = (s: { side: Side; recordId: string }) => ({ side: s.side, recordId: s.recordId });

/** Deletes records of one side; per record null when deleted, 'not found', or the refusal. */
async function deleteSide(
  run: Run,
  side: Side,
  ids: readonly string[],
): Promise<(string | null)[]> {
  const { ctx, m } = run;
  if (ids.length === 0) return [];
  if (side === 'erp') {
    const out: (string | null)[] = [];
    for (const id of ids) {
      const r = await ctx.erp.delete(m.erpTable, id);
      out.push(r.ok ? null : r.error.code === 'not_found' ? 'not found' : r.error.message);
    }
    return out;
  }
  const r = await ctx.crm.delete(m.crmEntity, ids);
  if (!r.ok) return ids.map(() => r.error.message);
  return r.value.map((x) => (x.ok ? null : x.notFound ? 'not found' : x.message));
}

async function recreate(run: Run, step: RecreateStep): Promise<void> {
  const [error] = await writeSide(run, step.side, [
    { recordId: step.recordId, values: step.values, create: true },
  ]);
  if (error) {
    await fail(run, step.side, step.recordId, step.coupledId, `Re-creating failed: ${error}`);
    return;
  }
  run.out.counters.inserted++;
  await recordUndoWrites(run.ctx.db, run.jobId, run.m.name, [
    { ...at(step), action: 'insert', before: null, after: step.values },
  ]);
  const coupled = step.coupledId
    ? await couple(run, step.side, step.recordId, step.coupledId)
    : false;
  run.out.recreated.push({ ...at(step), coupledWith: coupled ? step.coupledId : null });
}

/**
 * Couples a record again with the record of the other side it was coupled with, when that one
 * still exists and neither is coupled to something else meanwhile.
 */
async function couple(
  run: Run,
  side: Side,
  recordId: string,
  otherIdValue: string,
): Promise<boolean> {
  const { ctx, m } = run;
  const erpId = side === 'erp' ? recordId : otherIdValue;
  const crmId = side === 'crm' ? recordId : otherIdValue;
  const taken =
    (await couplingsByErpIds(ctx.db, m.erpTable, [erpId])).size > 0 ||
    (await couplingsByCrmIds(ctx.db, m.crmEntity, [crmId])).size > 0;
  const other =
    side === 'erp'
      ? await ctx.crm.get(m.crmEntity, [crmId])
      : { ok: true as const, value: await ctx.erp.get(m.erpTable, [erpId]) };
  const exists = other.ok && other.value.size > 0;
  if (taken || !exists) {
    await fail(
      run,
      side,
      recordId,
      otherIdValue,
      taken
        ? 'Not coupled again: one of the two records is coupled to another record now'
        : `Not coupled again: the ${side === 'erp' ? m.crmEntity : m.erpTable} record ${otherIdValue} no longer exists`,
    );
    return false;
  }
  const c = await insertCoupling(ctx.db, {
    mappingName: m.name,
    erpTable: m.erpTable,
    erpId,
    crmEntity: m.crmEntity,
    crmId,
  });
  // In step as of now: the undo's own write is no change for the next run to carry over.
  const erpSeq = (await ctx.erp.get(m.erpTable, [erpId])).get(erpId)?.changeSeq ?? null;
  const crm = await ctx.crm.get(m.crmEntity, [crmId]);
  const crmVersion = crm.ok ? (crm.value.get(crmId)?.version ?? null) : null;
  await markSynced(
    ctx.db,
    c.id,
    side === 'crm' ? 'ToIntegrationTable' : 'FromIntegrationTable',
    run.jobId,
    { erpSeq, crmVersion },
  );
  run.out.counters.coupled++;
  return true;
}
