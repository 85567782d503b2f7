import type { SyncFailure } from '../errors.ts';
import {
  type Coupling,
  fieldCovers,
  type JobCounters,
  type PassDirection,
  type TableMapping,
} from '../model.ts';
import type { CrmRecord, ErpRecord } from '../ports.ts';
import { type AskOutcome, type AskState, baselineAfter } from './ask-merge.ts';
import { resolveDeletionConflict } from './conflicts.ts';
import type { RunOptions } from './context.ts';
import { type LookupTranslator, transferFields } from './field-transfer.ts';
import { planUpdate } from './plan-update.ts';
import { isEmpty, matchesFilter, transform } from './values.ts';

/**
 * What a pass decides for each record of a chunk, the same in both directions and as plain data:
 * the ERP → CRM pass sends its plans to the CRM in one `$batch`, the CRM → ERP pass writes them to
 * the ERP one by one, and a preview could show them without writing anything. Planning reads
 * nothing but lookups; all reading of couplings and records happens before, all writing after.
 */

type SideRecord = ErpRecord | CrmRecord;

/** Where the destination of a source record stands, as the pass found it. */
export type Destination<D extends SideRecord> =
  | { readonly kind: 'found'; readonly record: D }
  /** The coupling points at a record that no longer exists: a deletion conflict. */
  | { readonly kind: 'deleted' }
  /** Nothing to update: the record is uncoupled, or its pending coupling still awaits the create. */
  | { readonly kind: 'none' };

/** One source record of a chunk with what the pass read about it. */
export interface PassRecord<S extends SideRecord, D extends SideRecord> {
  readonly source: S;
  readonly coupling: Coupling | undefined;
  readonly destination: Destination<D>;
  /** The conflict inbox's state of the coupled record (mappings with policy `ask`). */
  readonly ask?: AskState;
}

export type RecordAction =
  /** Not this pass's business: an uncoupled record under "synchronize only coupled records", or a
   * record coupled through another mapping of the same table (e.g. item and resource products). */
  | { readonly kind: 'ignore'; readonly reason: 'only-coupled' | 'other-mapping' }
  /** Counted as skipped: the coupling is marked skipped, or the other side won an update conflict
   * (the other pass brings its values). */
  | { readonly kind: 'skip'; readonly reason: 'coupling-skipped' | 'conflict-lost' }
  /** Nothing to write; `markSynced` when the coupling should record both versions as in step.
   * `reverseDue` (here and on `update`): the destination had changed since the last
   * synchronization, so the other pass must compare the record (plan-update.ts). */
  | { readonly kind: 'unchanged'; readonly markSynced: boolean; readonly reverseDue?: boolean }
  | { readonly kind: 'create'; readonly values: Record<string, unknown> }
  | {
      readonly kind: 'update';
      readonly changes: Record<string, unknown>;
      readonly reverseDue?: boolean;
    }
  /** A deletion conflict settled by removing the coupling. */
  | { readonly kind: 'uncouple' }
  /** The record fails; `creating` when it failed on its way to being created. */
  | { readonly kind: 'fail'; readonly failure: SyncFailure; readonly creating: boolean };

export interface RecordPlan<S extends SideRecord, D extends SideRecord> {
  readonly source: S;
  /** The coupling the action works on: undefined for a new record (and a restored one). */
  readonly coupling: Coupling | undefined;
  /** The destination as it is now (an update's "before"). */
  readonly destination: D | undefined;
  /** A deletion conflict's coupling, to delete before the action (`uncouple`, or `create` to restore). */
  readonly dropCoupling?: Coupling;
  readonly action: RecordAction;
  /** Policy `ask`: the fields held back in the conflict inbox, the values written back to the
   * source side, and the agreed values once the action is carried out. */
  readonly ask?: AskOutcome;
}

/** What planning needs besides the records. */
export interface PlanSettings {
  readonly m: TableMapping;
  readonly pass: PassDirection;
  readonly opts: RunOptions;
  readonly lookups: LookupTranslator;
  /** Who the integration writes as on the destination side: a destination last modified by it is
   * the integration's own echo, not a change made there. */
  readonly destinationActor: string | undefined;
}

/** The records of a pass that the mapping's filter on the source side lets through. */
export function inScope<S extends SideRecord>(
  m: TableMapping,
  pass: PassDirection,
  rows: readonly S[],
): S[] {
  const filter = pass === 'ToIntegrationTable' ? m.erpFilter : m.crmFilter;
  return rows.filter((r) => matchesFilter(r.values, filter));
}

/** Plans every record of a chunk, in order. */
export async function planChunk<S extends SideRecord, D extends SideRecord>(
  settings: PlanSettings,
  records: readonly PassRecord<S, D>[],
): Promise<RecordPlan<S, D>[]> {
  const plans: RecordPlan<S, D>[] = [];
  await settings.lookups.warm?.(
    settings.m,
    settings.pass,
    records.map((r) => r.source.values),
  );
  for (const r of records) plans.push(await planRecord(settings, r));
  return plans;
}

/**
 * Decides one record: skipped coupling, deletion conflict (fail, uncouple or restore), create of an
 * uncoupled record (unless only coupled records synchronize), or the update plan of a coupled one.
 */
export async function planRecord<S extends SideRecord, D extends SideRecord>(
  settings: PlanSettings,
  record: PassRecord<S, D>,
): Promise<RecordPlan<S, D>> {
  const { m, pass, opts } = settings;
  const { source, coupling, destination } = record;
  const targeted = pass === 'ToIntegrationTable' ? opts.erpIds : opts.crmIds;
  const plan = (action: RecordAction, extra: Partial<RecordPlan<S, D>> = {}): RecordPlan<S, D> => ({
    source,
    coupling,
    destination: destination.kind === 'found' ? destination.record : undefined,
    action,
    ...extra,
  });

  if (coupling && coupling.mappingName !== m.name)
    return plan({ kind: 'ignore', reason: 'other-mapping' });
  if (coupling?.skipped && !targeted) return plan({ kind: 'skip', reason: 'coupling-skipped' });

  if (destination.kind === 'deleted') {
    const outcome = resolveDeletionConflict(m, opts.force);
    if (outcome.action === 'fail')
      return plan({ kind: 'fail', failure: outcome.failure, creating: false });
    if (outcome.action === 'uncouple')
      return plan({ kind: 'uncouple' }, { dropCoupling: coupling });
    // Restore: the destination is created again, under a new coupling.
    const create = await planCreate(settings, source);
    return plan(create, { coupling: undefined, dropCoupling: coupling });
  }

  if (destination.kind === 'none') {
    if (
      !coupling &&
      m.syncOnlyCoupled &&
      !opts.ignoreOnlyCoupled &&
      !targeted &&
      !(await parentCoupled(settings, source))
    )
      return plan({ kind: 'ignore', reason: 'only-coupled' });
    const create = await planCreate(settings, source);
    return plan(create, askOfCreate(m, pass, source, create));
  }

  const toCrm = pass === 'ToIntegrationTable';
  const c = coupling!;
  const update = await planUpdate({
    m,
    pass,
    force: opts.force,
    lastFailed: (toCrm ? c.lastResultToCrm : c.lastResultToErp) === 'Failure',
    reverseDue: c.reverseDue === pass,
    source: {
      version: versionOf(source),
      synced: toCrm ? c.lastSyncedErpSeq : c.lastSyncedCrmVersion,
      values: source.values,
    },
    destination: {
      version: versionOf(destination.record),
      synced: toCrm ? c.lastSyncedCrmVersion : c.lastSyncedErpSeq,
      values: destination.record.values,
      isEcho: destination.record.modifiedBy === settings.destinationActor,
    },
    lookups: settings.lookups,
    ...(record.ask ? { ask: record.ask } : {}),
  });
  const ask = 'ask' in update && update.ask ? { ask: update.ask } : {};
  const due = 'reverseDue' in update && update.reverseDue ? { reverseDue: true } : {};
  switch (update.kind) {
    case 'skip':
      return plan({ kind: 'skip', reason: 'conflict-lost' });
    case 'fail':
      return plan({ kind: 'fail', failure: update.failure, creating: false });
    case 'unchanged':
      return plan({ kind: 'unchanged', markSynced: update.synced, ...due }, ask);
    case 'write':
      return plan({ kind: 'update', changes: update.changes, ...due }, ask);
  }
}

/**
 * True when a lookup marked `parent` (LookupSpec) finds the record's parent coupled: the record
 * belongs to a coupled one (a unit to its item's unit group, as lines to their document), so
 * "synchronize only coupled records" does not keep it out. The chunk's lookups are warm already.
 */
async function parentCoupled(settings: PlanSettings, source: SideRecord): Promise<boolean> {
  const { m, pass, lookups } = settings;
  for (const field of m.fields) {
    if (!field.lookup?.parent || !field.enabled || !fieldCovers(field.direction, pass)) continue;
    const from = pass === 'ToIntegrationTable' ? field.erpField : field.crmField;
    const value = from ? transform(source.values[from], field.transformation) : undefined;
    if (isEmpty(value)) continue;
    const parent = await lookups.translate(field, value, pass);
    if (!parent.ok || parent.value === null || parent.value === undefined) continue;
    if (typeof parent.value === 'object' && (parent.value as { id?: unknown }).id === null)
      continue;
    return true;
  }
  return false;
}

async function planCreate(settings: PlanSettings, source: SideRecord): Promise<RecordAction> {
  const { m, pass, lookups } = settings;
  const t = await transferFields(m, pass, source.values, undefined, lookups);
  return t.failure
    ? { kind: 'fail', failure: t.failure, creating: true }
    : { kind: 'create', values: t.changes };
}

/** Policy `ask`: a created record starts with both sides agreeing on every column. */
function askOfCreate(
  m: TableMapping,
  pass: PassDirection,
  source: SideRecord,
  action: RecordAction,
): { ask?: AskOutcome } {
  if (m.updateConflict !== 'ask' || action.kind !== 'create') return {};
  const crmValues = pass === 'ToIntegrationTable' ? action.values : source.values;
  return {
    ask: { conflicts: [], counterpart: {}, baseline: baselineAfter(m, crmValues, undefined) },
  };
}

/** The version a pass compares: the ERP change sequence or the CRM `versionnumber`. */
export const versionOf = (r: SideRecord): number => ('changeSeq' in r ? r.changeSeq : r.version);

/**
 * Counts the actions that write nothing to the destination (skipped, uncoupled, unchanged) in the
 * job's counters; the others count when their write succeeds or fails.
 */
export function countSettled(counters: JobCounters, action: RecordAction): void {
  if (action.kind === 'skip') counters.skipped++;
  else if (action.kind === 'uncouple') counters.uncoupled++;
  else if (action.kind === 'unchanged') counters.unchanged++;
}

/** True for the actions that create the destination (or failed on the way to it). */
export const isCreating = (a: RecordAction): boolean =>
  a.kind === 'create' || (a.kind === 'fail' && a.creating);

/** True for a pending coupling whose record is yet to be created on `side` with the chosen id. */
export const awaitsCreate = (c: Coupling, side: 'crm' | 'erp'): boolean =>
  c.state === 'pending' && c.pendingSide === side;

/** A coupled destination as read: the record, or deleted when the read did not find it. */
export const found = <D extends SideRecord>(record: D | undefined): Destination<D> =>
  record ? { kind: 'found', record } : { kind: 'deleted' };
