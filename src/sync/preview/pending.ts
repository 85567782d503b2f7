import { couplingsByErpIds, couplingTables } from '../couplings/coupling-repo.ts';
import { journaledCoupling, unsettledCreates } from '../couplings/create-journal.ts';
import type { EngineContext } from '../engine/context.ts';
import { crmRowsOrStop } from '../engine/read-chunk.ts';
import type { Coupling, TableMapping } from '../model.ts';
import type { PreviewDetail } from './preview-model.ts';
import type { VirtualState } from './virtual-state.ts';

/**
 * The pending creates each pass settles first (src/sync/engine/pending-creates.ts), without
 * writing: a pending coupling whose record exists on its side would be coupled (and counted), one
 * whose record is missing would be in the retry set, to be created with the same id.
 */

/** The ERP → CRM pass's pending CRM creates. */
export async function settlePendingCrmCreates(
  ctx: EngineContext,
  m: TableMapping,
  state: VirtualState,
): Promise<PreviewDetail[]> {
  const details = await settleJournaledCreates(ctx, m, state);
  const couplings = await pendingCouplings(ctx, m, 'crm');
  if (couplings.length === 0) return details;
  const rows = await crmRowsOrStop(
    ctx,
    m.crmEntity,
    couplings.map((c) => c.crmId),
  );
  for (const c of couplings) {
    const row = rows.get(c.crmId);
    if (!row) {
      state.couplings.set(c.id, { ...c, skipped: false, lastResultToCrm: 'Failure' });
      continue;
    }
    state.crmRows.set(row.id, row);
    state.couplings.set(c.id, {
      ...c,
      state: 'coupled',
      lastResultToCrm: 'Success',
      lastErrorToCrm: null,
      lastSyncedErpSeq: c.lastSyncedErpSeq ?? 0,
      lastSyncedCrmVersion: Math.max(c.lastSyncedCrmVersion ?? 0, row.version),
    });
    details.push(coupled('ToIntegrationTable', c));
  }
  return details;
}

/**
 * The creates a cut-off run left in the create journal: the landed ones become coupled pairs
 * (their ERP rows compared again); the others stay uncoupled, so the pass plans them as creates.
 */
async function settleJournaledCreates(
  ctx: EngineContext,
  m: TableMapping,
  state: VirtualState,
): Promise<PreviewDetail[]> {
  const details: PreviewDetail[] = [];
  const tables = couplingTables(m);
  for (const entry of await unsettledCreates(ctx.db, m.name)) {
    const rows = await crmRowsOrStop(
      ctx,
      m.crmEntity,
      entry.creates.map((c) => c.crmId),
    );
    for (const create of entry.creates) {
      const row = rows.get(create.crmId);
      if (!row) continue;
      const c: Coupling = {
        ...journaledCoupling(tables, create),
        state: 'coupled',
        lastResultToCrm: 'Success',
        lastSyncedErpSeq: 0,
        lastSyncedCrmVersion: row.version,
      };
      state.crmRows.set(row.id, row);
      state.landed.set(create.erpId, c);
      state.landed.set(create.crmId, c);
      details.push(coupled('ToIntegrationTable', c));
    }
  }
  return details;
}

/** The CRM → ERP pass's pending ERP creates (skipped ones stay as they are). */
export async function settlePendingErpCreates(
  ctx: EngineContext,
  m: TableMapping,
  state: VirtualState,
): Promise<PreviewDetail[]> {
  const couplings = (await pendingCouplings(ctx, m, 'erp')).filter((c) => !c.skipped);
  if (couplings.length === 0) return [];
  const rows = await ctx.erp.get(
    m.erpTable,
    couplings.map((c) => c.erpId),
  );
  const details: PreviewDetail[] = [];
  for (const c of couplings) {
    const row = rows.get(c.erpId);
    if (!row) {
      state.couplings.set(c.id, { ...c, lastResultToErp: 'Failure' });
      continue;
    }
    state.erpRows.set(row.id, row);
    state.couplings.set(c.id, {
      ...c,
      state: 'coupled',
      lastResultToErp: 'Success',
      lastErrorToErp: null,
      lastSyncedErpSeq: Math.max(c.lastSyncedErpSeq ?? 0, row.changeSeq),
      lastSyncedCrmVersion: c.lastSyncedCrmVersion ?? 0,
    });
    details.push(coupled('FromIntegrationTable', c));
  }
  return details;
}

/** The mapping's couplings awaiting a create on `side`, as the coupling table has them. */
async function pendingCouplings(
  ctx: EngineContext,
  m: TableMapping,
  side: 'crm' | 'erp',
): Promise<Coupling[]> {
  const r = await ctx.db.query<{ erp_id: string }>(
    `SELECT erp_id FROM integration.couplings
     WHERE mapping_name = $1 AND state = 'pending' AND pending_side = $2 ORDER BY created_at, id`,
    [m.name, side],
  );
  if (r.rows.length === 0) return [];
  const byErp = await couplingsByErpIds(
    ctx.db,
    m.erpTable,
    r.rows.map((row) => row.erp_id),
  );
  return [...byErp.values()].filter(
    (c) => c.state === 'pending' && c.pendingSide === side && c.mappingName === m.name,
  );
}

const coupled = (direction: PreviewDetail['direction'], c: Coupling): PreviewDetail => ({
  direction,
  side: direction === 'ToIntegrationTable' ? 'crm' : 'erp',
  action: 'couple',
  erpId: c.erpId,
  crmId: c.crmId,
  message:
    'A create an earlier run sent was made before that run ended: the records are coupled and compared again',
});
