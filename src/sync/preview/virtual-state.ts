import { found, type PassRecord, type RecordPlan } from '../engine/plan-records.ts';
import type { Coupling, PassDirection } from '../model.ts';
import type { CrmRecord, ErpRecord } from '../ports.ts';

/**
 * What a run's own writes would have changed by a point of the run, kept in memory instead of
 * written: the ERP → CRM pass first settles the creates an earlier run left pending, and the
 * CRM → ERP pass sees what the ERP → CRM pass wrote (couplings marked synchronized or failed, CRM
 * rows last modified by the integration, couplings removed). A preview reads the stored state
 * and lays this over it, so its second pass plans what the run's second pass would.
 */
export interface VirtualState {
  /** Couplings as the run would have left them, by id; null for one it would have removed. */
  readonly couplings: Map<string, Coupling | null>;
  /** CRM rows as the run would have left them, by id. */
  readonly crmRows: Map<string, CrmRecord>;
  /** ERP rows a pending create of an earlier run made, by id. */
  readonly erpRows: Map<string, ErpRecord>;
}

export const emptyState = (): VirtualState => ({
  couplings: new Map(),
  crmRows: new Map(),
  erpRows: new Map(),
});

/** A CRM row as the run would have left it (or as it is). */
export const crmRowNow = (state: VirtualState, row: CrmRecord): CrmRecord =>
  state.crmRows.get(row.id) ?? row;

/** The records of a chunk with the couplings (and found CRM rows) the run would have by now. */
export function overlay<S extends ErpRecord | CrmRecord, D extends ErpRecord | CrmRecord>(
  state: VirtualState,
  pass: PassDirection,
  records: readonly PassRecord<S, D>[],
): PassRecord<S, D>[] {
  return records.map((r) => {
    if (!r.coupling || !state.couplings.has(r.coupling.id)) return r;
    const coupling = state.couplings.get(r.coupling.id);
    if (!coupling) return { source: r.source, coupling: undefined, destination: { kind: 'none' } };
    // A pending create the run would have found in the CRM: from now on an ordinary coupled pair.
    if (
      pass === 'ToIntegrationTable' &&
      coupling.state === 'coupled' &&
      r.destination.kind === 'none'
    )
      return {
        ...r,
        coupling,
        destination: found(state.crmRows.get(coupling.crmId) as D | undefined),
      };
    return { ...r, coupling };
  });
}

/**
 * The retry set as the run would have it by now: the stored one (couplings of the mapping failed
 * in the pass, not skipped) with the couplings the run would have changed in their new state.
 */
export function retryNow(
  state: VirtualState,
  stored: readonly Coupling[],
  pass: PassDirection,
): Coupling[] {
  const result = pass === 'ToIntegrationTable' ? 'lastResultToCrm' : 'lastResultToErp';
  const now = stored.filter((c) => !state.couplings.has(c.id));
  for (const c of state.couplings.values())
    if (c && !c.skipped && c[result] === 'Failure') now.push(c);
  return now;
}

/**
 * Lays over the state what the ERP → CRM pass would write for a chunk's plans (writeToCrm in
 * src/sync/engine/to-crm-pass.ts): removed couplings, failures (the same error twice skips the
 * record), couplings marked synchronized, and CRM rows updated as the integration user.
 */
export function afterToCrm(
  state: VirtualState,
  plans: readonly RecordPlan<ErpRecord, CrmRecord>[],
  integrationUser: string | undefined,
): void {
  for (const p of plans) {
    if (p.dropCoupling) state.couplings.set(p.dropCoupling.id, null);
    const c = p.coupling && (state.couplings.get(p.coupling.id) ?? p.coupling);
    if (!c) continue;
    const action = p.action;
    if (action.kind === 'fail') {
      const message = action.failure.message;
      state.couplings.set(c.id, {
        ...c,
        skipped: c.skipped || (c.lastResultToCrm === 'Failure' && c.lastErrorToCrm === message),
        lastResultToCrm: 'Failure',
        lastErrorToCrm: message,
      });
    } else if (action.kind === 'unchanged' && action.markSynced) {
      state.couplings.set(c.id, synced(c, p.source.changeSeq, p.destination!.version));
    } else if (action.kind === 'update') {
      const before = p.destination!;
      // The version the CRM would give the row is unknown; any newer one compares the same.
      const written: CrmRecord = {
        id: before.id,
        version: before.version + 1,
        modifiedBy: integrationUser ?? before.modifiedBy,
        values: { ...before.values, ...storedForm(action.changes) },
      };
      state.crmRows.set(written.id, written);
      state.couplings.set(c.id, synced(c, p.source.changeSeq, written.version));
    }
  }
}

const synced = (c: Coupling, erpSeq: number, crmVersion: number): Coupling => ({
  ...c,
  state: 'coupled',
  lastResultToCrm: 'Success',
  lastErrorToCrm: null,
  lastSyncedErpSeq: Math.max(c.lastSyncedErpSeq ?? 0, erpSeq),
  lastSyncedCrmVersion: Math.max(c.lastSyncedCrmVersion ?? 0, crmVersion),
});

/** Written values as the CRM port reads them back: a lookup as the target's id. */
const storedForm = (values: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, lookupId(v)]));

/** A lookup value (`{ lookupEntity, id }`) as its id; anything else as it is. */
export const lookupId = (v: unknown): unknown =>
  typeof v === 'object' && v !== null && 'lookupEntity' in v && 'id' in v ? v.id : v;
