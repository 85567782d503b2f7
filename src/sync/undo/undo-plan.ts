import { failure, ok, type Result } from '../../shared/result.ts';
import { couplingsByCrmIds, couplingsByErpIds } from '../couplings/coupling-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { sameValue } from '../engine/values.ts';
import type { Coupling, TableMapping } from '../model.ts';
import { nameOf } from '../record-names.ts';
import { type Dependent, dependentsOf } from './undo-dependents.ts';
import {
  historyOf,
  type RecordHistory,
  type Side,
  type UndoneJob,
  type Values,
} from './undo-history.ts';
import { keptValues } from './undo-values.ts';

/** A record whose fields get the values they had before the job (and, reactivated, its coupling). */
export interface RestoreStep {
  readonly side: Side;
  readonly recordId: string;
  /** Field → value to write back (as read before the job). */
  readonly changes: Values;
  /** Field → the value now (the job's value), kept as the undo's own `before`. */
  readonly current: Values;
  /** A deactivated record is coupled again with this record of the other side. */
  readonly recouple: string | null;
  readonly coupling: Coupling | undefined;
}

/** A record the job created: deleted, or deactivated where deletion is not allowed, and uncoupled. */
export interface RemoveStep {
  readonly side: Side;
  readonly recordId: string;
  /** 'gone' when the record no longer exists (only its coupling goes). */
  readonly how: 'delete' | 'deactivate' | 'gone' | 'impossible';
  /** The record's values, kept so that undoing the undo can re-create it. */
  readonly values: Values;
  readonly deactivate?: Values;
  /** The deactivation fields' values now (to reactivate it). */
  readonly state: Values;
  readonly coupling: Coupling | undefined;
}

/** A record the job deleted: created again with its id, values and coupling. */
export interface RecreateStep {
  readonly side: Side;
  readonly recordId: string;
  readonly values: Values;
  readonly coupledId: string | null;
}

/** A field left as it is, with why. */
export interface NotRestored {
  readonly side: Side;
  readonly recordId: string;
  readonly field: string;
  /** Its value now. */
  readonly current: unknown;
  /** What the job wrote. */
  readonly jobValue: unknown;
  /** What it had before the job. */
  readonly before: unknown;
  readonly reason: 'changed_since' | 'not_readable';
}

/** A record the undo cannot touch (modified by the job but deleted since, re-created since, …). */
export interface SkippedRecord {
  readonly side: Side;
  readonly recordId: string;
  readonly message: string;
}

export interface UndoPlan {
  readonly job: UndoneJob;
  readonly mapping: TableMapping;
  /**
   * What users call each record of the history (`side|recordId`): as read for the plan, or from
   * the values it is re-created with; null when it no longer exists.
   */
  readonly names: ReadonlyMap<string, string | null>;
  readonly restores: readonly RestoreStep[];
  readonly removals: readonly RemoveStep[];
  readonly recreates: readonly RecreateStep[];
  readonly notRestored: readonly NotRestored[];
  readonly skipped: readonly SkippedRecord[];
  /**
   * Records of other mappings that refer to a record the undo would delete (undo-dependents.ts):
   * while there are any, the undo is refused (`undo_has_dependents`) and the preview lists them.
   */
  readonly dependents: readonly Dependent[];
}

const CHUNK = 1000;

/**
 * What undoing a job does, computed from its write history and both sides as they are now; the
 * preview shows it and the undo carries it out (one computation for both). Nothing is written.
 */
export async function planUndo(
  ctx: EngineContext,
  job: UndoneJob,
  m: TableMapping,
): Promise<Result<UndoPlan>> {
  const history = await historyOf(ctx.db, job.id);
  if (history.length === 0)
    return failure(
      'nothing_to_undo',
      `Job ${job.id} wrote nothing to either side: nothing to undo`,
    );
  const ids = (side: Side) => history.filter((h) => h.side === side).map((h) => h.recordId);
  const current = await readCurrent(ctx, m, ids('erp'), ids('crm'));
  if (!current.ok) return current;
  const couplings = {
    erp: await couplingsByErpIds(ctx.db, m.erpTable, ids('erp')),
    crm: await couplingsByCrmIds(ctx.db, m.crmEntity, ids('crm')),
  };
  const plan = {
    job,
    mapping: m,
    names: new Map<string, string | null>(),
    restores: [] as RestoreStep[],
    removals: [] as RemoveStep[],
    recreates: [] as RecreateStep[],
    notRestored: [] as NotRestored[],
    skipped: [] as SkippedRecord[],
  };
  for (const h of history) {
    const now = current.value[h.side].get(h.recordId);
    const coupling = couplings[h.side].get(h.recordId);
    const table = h.side === 'erp' ? m.erpTable : m.crmEntity;
    const known = now ? (nameOf(h.side, table, now) ?? h.recordId) : undefined;
    // A record the undo re-creates is named by the values it gets back.
    const recreated =
      h.effect === 'deleted' && !now ? (nameOf(h.side, table, h.before) ?? h.recordId) : null;
    plan.names.set(`${h.side}|${h.recordId}`, known ?? recreated);
    switch (h.effect) {
      case 'created':
        plan.removals.push(removal(ctx, m, h, now, coupling));
        break;
      case 'deleted':
        if (now) plan.skipped.push({ ...at(h), message: 'It exists again: left as it is' });
        else plan.recreates.push({ ...at(h), values: h.before, coupledId: h.coupledId });
        break;
      case 'modified':
      case 'deactivated':
        if (!now) {
          plan.skipped.push({ ...at(h), message: 'It no longer exists: nothing to restore' });
          break;
        }
        plan.restores.push(restore(h, now, coupling, plan.notRestored));
        break;
    }
  }
  const deleted = (side: Side) =>
    plan.removals.filter((s) => s.side === side && s.how === 'delete').map((s) => s.recordId);
  const dependents = await dependentsOf(
    ctx,
    m,
    { erp: deleted('erp'), crm: deleted('crm') },
    current.value,
  );
  if (!dependents.ok) return dependents;
  return ok({ ...plan, dependents: dependents.value });
}

const at = (h: RecordHistory) => ({ side: h.side, recordId: h.recordId });

function removal(
  ctx: EngineContext,
  m: TableMapping,
  h: RecordHistory,
  now: Values | undefined,
  coupling: Coupling | undefined,
): RemoveStep {
  if (!now) return { ...at(h), how: 'gone', values: {}, state: {}, coupling };
  const r = h.side === 'erp' ? ctx.erp.removal(m.erpTable) : ctx.crm.removal(m.crmEntity);
  const how = r.deletable ? 'delete' : r.deactivate ? 'deactivate' : 'impossible';
  const state = Object.fromEntries(Object.keys(r.deactivate ?? {}).map((k) => [k, now[k] ?? null]));
  return {
    ...at(h),
    how,
    values: keptValues(m, h.side, now),
    ...(r.deactivate ? { deactivate: { ...r.deactivate } } : {}),
    state,
    coupling,
  };
}

/** Per field the job wrote: back to its value before the job when nobody changed it since. */
function restore(
  h: RecordHistory,
  now: Values,
  coupling: Coupling | undefined,
  notRestored: NotRestored[],
): RestoreStep {
  const changes: Values = {};
  const current: Values = {};
  for (const [field, jobValue] of Object.entries(h.after)) {
    const before = h.before[field] ?? null;
    const report = (reason: NotRestored['reason']) =>
      notRestored.push({ ...at(h), field, current: now[field], jobValue, before, reason });
    if (!(field in now)) report('not_readable');
    else if (!sameValue(now[field], jobValue)) report('changed_since');
    else if (sameValue(now[field], before)) continue;
    else {
      changes[field] = before;
      current[field] = now[field] ?? null;
    }
  }
  const recouple = h.effect === 'deactivated' ? h.coupledId : null;
  return { ...at(h), changes, current, recouple, coupling };
}

/** Both sides' records as they are now, by id. */
async function readCurrent(
  ctx: EngineContext,
  m: TableMapping,
  erpIds: readonly string[],
  crmIds: readonly string[],
): Promise<Result<{ erp: Map<string, Values>; crm: Map<string, Values> }>> {
  const erp = new Map<string, Values>();
  for (let i = 0; i < erpIds.length; i += CHUNK) {
    const rows = await ctx.erp.get(m.erpTable, erpIds.slice(i, i + CHUNK));
    for (const [id, r] of rows) erp.set(id, { ...r.values });
  }
  const crm = new Map<string, Values>();
  for (let i = 0; i < crmIds.length; i += CHUNK) {
    const rows = await ctx.crm.get(m.crmEntity, crmIds.slice(i, i + CHUNK));
    if (!rows.ok)
      return failure('crm_read_failed', `Reading ${m.crmEntity} failed: ${rows.error.message}`);
    for (const [id, r] of rows.value) crm.set(id, { ...r.values });
  }
  return ok({ erp, crm });
}
