import { type AskState, pairKey } from '../engine/ask-merge.ts';
import { found, type PassRecord, type RecordPlan } from '../engine/plan-records.ts';
import type { Coupling, PassDirection } from '../model.ts';
import { type CrmRecord, ERP_INTEGRATION_ACTOR, type ErpRecord } from '../ports.ts';

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
  /**
   * Couplings the run would write for creates a cut-off run left in the create journal and that
   * landed in the CRM: by ERP id and by CRM id (their records have no stored coupling).
   */
  readonly landed: Map<string, Coupling>;
  /** CRM rows as the run would have left them, by id. */
  readonly crmRows: Map<string, CrmRecord>;
  /** ERP rows as the run would have left them (made by a pending create, written back), by id. */
  readonly erpRows: Map<string, ErpRecord>;
  /** The conflict inbox's state of coupled records as the run would have left it, by coupling. */
  readonly asks: Map<string, AskState>;
}

export const emptyState = (): VirtualState => ({
  couplings: new Map(),
  landed: new Map(),
  crmRows: new Map(),
  erpRows: new Map(),
  asks: new Map(),
});

/** A CRM row as the run would have left it (or as it is). */
export const crmRowNow = (state: VirtualState, row: CrmRecord): CrmRecord =>
  state.crmRows.get(row.id) ?? row;

/**
 * The records of a chunk as the run would see them by now: their couplings, the destination rows
 * it would have written (or found made by a pending create), and the conflict inbox's state.
 */
export function overlay<S extends ErpRecord | CrmRecord, D extends ErpRecord | CrmRecord>(
  state: VirtualState,
  pass: PassDirection,
  records: readonly PassRecord<S, D>[],
): PassRecord<S, D>[] {
  const rowOf = (c: Coupling) =>
    (pass === 'ToIntegrationTable' ? state.crmRows.get(c.crmId) : state.erpRows.get(c.erpId)) as
      | D
      | undefined;
  return records.map((r) => {
    const stored = r.coupling ?? state.landed.get(r.source.id);
    if (!stored) return r;
    const coupling = state.couplings.has(stored.id) ? state.couplings.get(stored.id) : stored;
    if (!coupling) return { source: r.source, coupling: undefined, destination: { kind: 'none' } };
    const ask = state.asks.get(coupling.id) ?? r.ask;
    const row = rowOf(coupling);
    // A pending create the run would have found made is from now on an ordinary coupled pair; a
    // destination the run would have written is read as written.
    const destination =
      row && (r.destination.kind === 'found' || coupling.state === 'coupled')
        ? found(row)
        : r.destination;
    return { ...r, coupling, destination, ...(ask ? { ask } : {}) };
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
    if (c && !c.skipped && (c[result] === 'Failure' || c.reverseDue === pass)) now.push(c);
  return now;
}

/**
 * Lays over the state what the ERP → CRM pass would write for a chunk's plans (writeToCrm in
 * src/sync/engine/to-crm-pass.ts, then settleAsk in ask-settle.ts): removed couplings, failures
 * (the same error twice skips the record), couplings marked synchronized, CRM rows updated as the
 * integration user, and under policy `ask` the fields written back to the ERP, the agreed values
 * and the fields held in the inbox. `plans[i]` is the plan of `records[i]`.
 */
export function afterToCrm(
  state: VirtualState,
  records: readonly PassRecord<ErpRecord, CrmRecord>[],
  plans: readonly RecordPlan<ErpRecord, CrmRecord>[],
  integrationUser: string | undefined,
): void {
  for (const [i, p] of plans.entries()) {
    if (p.dropCoupling) state.couplings.set(p.dropCoupling.id, null);
    let c = p.coupling && (state.couplings.get(p.coupling.id) ?? p.coupling);
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
      continue;
    }
    if (action.kind === 'unchanged' && action.markSynced) {
      c = synced(c, p.source.changeSeq, p.destination!.version, action.reverseDue);
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
      c = synced(c, p.source.changeSeq, written.version, action.reverseDue);
    } else continue;
    state.couplings.set(c.id, c);
    if (p.ask) state.couplings.set(c.id, settledAsk(state, c, records[i]!, p));
  }
}

/** Policy `ask` after a record's write: write-back to the ERP, agreed values, held fields. */
function settledAsk(
  state: VirtualState,
  c: Coupling,
  record: PassRecord<ErpRecord, CrmRecord>,
  p: RecordPlan<ErpRecord, CrmRecord>,
): Coupling {
  const ask = p.ask!;
  const open = new Set(record.ask?.open ?? []);
  for (const f of ask.agreed ?? []) open.delete(pairKey(f));
  for (const f of ask.conflicts) open.add(pairKey(f));
  state.asks.set(c.id, { baseline: ask.baseline, open });
  if (Object.keys(ask.counterpart).length === 0) return c;
  const erp = p.source;
  const seq = Math.max(erp.changeSeq, c.lastSyncedErpSeq ?? 0) + 1;
  state.erpRows.set(erp.id, {
    ...erp,
    changeSeq: seq,
    modifiedBy: ERP_INTEGRATION_ACTOR,
    values: { ...erp.values, ...ask.counterpart },
  });
  return { ...c, lastResultToErp: 'Success', lastErrorToErp: null, lastSyncedErpSeq: seq };
}

// As markSyncedMany (src/sync/couplings/coupling-repo.ts) settles the reverse-pass mark.
const synced = (
  c: Coupling,
  erpSeq: number,
  crmVersion: number,
  reverseDue: boolean | undefined,
): Coupling => ({
  ...c,
  state: 'coupled',
  reverseDue: reverseDue
    ? 'FromIntegrationTable'
    : c.reverseDue === 'ToIntegrationTable'
      ? null
      : c.reverseDue,
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
