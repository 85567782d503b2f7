import { newId } from '../../shared/ids.ts';
import type { Result } from '../../shared/result.ts';
import {
  couplingTables,
  deleteCoupling,
  insertPendingCouplings,
  markSyncedMany,
  type SyncedCoupling,
  syncedBySource,
} from '../couplings/coupling-repo.ts';
import { syncFailure } from '../errors.ts';
import type { Coupling } from '../model.ts';
import type { CrmRecord, ErpRecord, ErpWrite } from '../ports.ts';
import { recordWrites, valuesOf, type WriteRecord } from './job-log.ts';
import { countSettled, type RecordPlan } from './plan-records.ts';
import { failRecord, type PassJob } from './record-failure.ts';

type Plan = RecordPlan<CrmRecord, ErpRecord>;

/**
 * How the CRM → ERP pass carries out its plans: a chunk's creates and updates go to the ERP in one
 * `writeMany` (each write atomic on its own, a few transactions for the chunk: see
 * docs/sync-engine.md, "Writing to the ERP"), and the bookkeeping around them in a few statements
 * (ChunkBatch). A mapping with a lookup to itself goes through the same steps one plan at a time,
 * as a record created there can be the lookup target of the next.
 */

/**
 * A chunk's bookkeeping gathered for a few statements instead of three per record: the pending
 * couplings of its creates (by CRM id), inserted together before any ERP write so each create
 * stays exactly-once (a run killed mid-chunk leaves them to resolvePendingErpCreates), and the
 * couplings marked synchronized and the write history of its writes, written after the chunk.
 * A kill before that last step loses nothing a next run cannot settle: the pending couplings of
 * rows that landed are coupled by resolvePendingErpCreates, as for a kill right after one write,
 * and an update whose coupling kept its old versions is compared again (its CRM row is still
 * after the watermark, the ERP row the integration's own echo).
 */
export interface ChunkBatch {
  readonly pending: Map<string, Coupling>;
  /** Couplings to mark synchronized, with the CRM id of their record (`sourceId`). */
  readonly synced: SyncedCoupling[];
  readonly history: WriteRecord[];
}

/** Drops the couplings of deletion conflicts and records the pending couplings of the creates. */
export async function prepareChunk(job: PassJob, plans: readonly Plan[]): Promise<ChunkBatch> {
  const { ctx, m } = job;
  // Dropped couplings go first: the create's pending coupling takes the same CRM id.
  for (const p of plans) if (p.dropCoupling) await deleteCoupling(ctx.db, p.dropCoupling.id);
  const creates = plans.filter((p) => p.action.kind === 'create' && !p.coupling);
  const byErpId = await insertPendingCouplings(
    ctx.db,
    { ...couplingTables(m), pendingSide: 'erp' },
    creates.map((p) => ({ erpId: newId(), crmId: p.source.id })),
  );
  return {
    pending: new Map([...byErpId.values()].map((c) => [c.crmId, c])),
    synced: [],
    history: [],
  };
}

/**
 * The chunk's couplings marked synchronized and its write history, a statement each; answers the
 * records synchronized (CRM id → coupling id) for the ask policy's settling.
 */
export async function flushChunk(job: PassJob, batch: ChunkBatch): Promise<Map<string, string>> {
  await markSyncedMany(job.ctx.db, 'FromIntegrationTable', job.jobId, batch.synced);
  await recordWrites(job.ctx.db, batch.history);
  return syncedBySource(batch.synced);
}

/** One planned ERP write with what settling it needs. */
interface PlannedWrite {
  readonly plan: Plan;
  readonly coupling: Coupling;
  readonly write: ErpWrite;
  /** An update's values before it (write history). */
  readonly before?: Record<string, unknown>;
  /** The ERP row had changed since the last synchronization: the ERP → CRM pass is due. */
  readonly reverseDue?: boolean;
}

/**
 * Carries out the plans of a chunk: failures and unchanged records are settled at once, the
 * creates and updates go to the ERP together, then each write is settled by its own result — a
 * refused write fails its record alone (a create's pending coupling goes, the record stays
 * uncoupled as any failed create and comes back with its next change).
 */
export async function writeChunk(
  job: PassJob,
  plans: readonly Plan[],
  batch: ChunkBatch,
): Promise<void> {
  const { ctx, m } = job;
  const writes: PlannedWrite[] = [];
  for (const p of plans) {
    countSettled(job.counters, p.action);
    const action = p.action;
    if (action.kind === 'fail')
      await failRecord(job, idsOf(p.source, p.coupling), p.coupling, action.failure);
    else if (action.kind === 'unchanged' && action.markSynced)
      batch.synced.push({
        id: p.coupling!.id,
        sourceId: p.source.id,
        erpSeq: p.destination!.changeSeq,
        crmVersion: p.source.version,
        reverseDue: action.reverseDue,
      });
    else if (action.kind === 'create') {
      const coupling = p.coupling ?? batch.pending.get(p.source.id)!;
      writes.push({
        plan: p,
        coupling,
        write: { kind: 'create', id: coupling.erpId, values: action.values },
      });
    } else if (action.kind === 'update')
      writes.push({
        plan: p,
        coupling: p.coupling!,
        write: { kind: 'update', id: p.coupling!.erpId, values: action.changes },
        before: valuesOf(p.destination!.values, Object.keys(action.changes)),
        reverseDue: action.reverseDue,
      });
  }
  if (writes.length === 0) return;
  const results = await ctx.erp.writeMany(
    m.erpTable,
    writes.map((w) => w.write),
  );
  for (const [i, w] of writes.entries()) await settleWrite(job, batch, w, results[i]!);
}

async function settleWrite(
  job: PassJob,
  batch: ChunkBatch,
  w: PlannedWrite,
  result: Result<ErpRecord>,
): Promise<void> {
  const { ctx, m, jobId } = job;
  const creating = w.write.kind === 'create';
  if (!result.ok) {
    // Each ERP write is atomic on its own: a refused one left nothing behind.
    if (creating) await deleteCoupling(ctx.db, w.coupling.id);
    // (A create's message keeps the ERP's wording whole, a modification's loses its final stop.)
    const message = creating
      ? `Creating ${m.erpTable} failed because of the following error: ${result.error.message}`
      : `Modifying ${m.erpTable} failed because of the following error: ${result.error.message.replace(/\.+$/, '')}`;
    return failRecord(
      job,
      idsOf(w.plan.source, creating ? undefined : w.coupling),
      creating ? undefined : w.coupling,
      syncFailure('erp_write_refused', message),
    );
  }
  batch.synced.push({
    id: w.coupling.id,
    sourceId: w.plan.source.id,
    erpSeq: result.value.changeSeq,
    crmVersion: w.plan.source.version,
    reverseDue: w.reverseDue,
  });
  if (creating) job.counters.inserted++;
  else job.counters.modified++;
  batch.history.push({
    jobId,
    mappingName: m.name,
    side: 'erp',
    recordId: result.value.id,
    action: creating ? 'insert' : 'modify',
    ...(w.before ? { before: w.before } : {}),
    ...(creating ? {} : { after: w.write.values }),
  });
}

const idsOf = (row: CrmRecord, coupling: Coupling | undefined) => ({
  erpId: coupling?.erpId ?? null,
  crmId: row.id,
});
