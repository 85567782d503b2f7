import { newId } from '../../shared/ids.ts';
import {
  deleteCoupling,
  insertCoupling,
  insertPendingCouplings,
  markSynced,
  markSyncedMany,
  retrySet,
} from '../couplings/coupling-repo.ts';
import { passFailed, syncFailure } from '../errors.ts';
import { getWatermarks, setWatermark } from '../mappings/mapping-repo.ts';
import { type Coupling, emptyCounters } from '../model.ts';
import { type CrmRecord, ERP_INTEGRATION_ACTOR, type ErpRecord } from '../ports.ts';
import { settleAsk } from './ask-settle.ts';
import type { PassRunner } from './context.ts';
import { recordWrite, recordWrites, saveProgress, type WriteRecord } from './job-log.ts';
import { couplingLookups } from './lookups.ts';
import { resolvePendingErpCreates } from './pending-creates.ts';
import {
  awaitsCreate,
  countSettled,
  found,
  type PlanSettings,
  planRecord,
  type RecordPlan,
} from './plan-records.ts';
import { type ChunkReader, crmRowsOrStop, readChunk } from './read-chunk.ts';
import { failRecord, type PassJob } from './record-failure.ts';

/**
 * One CRM → ERP pass of a mapping: the retry set, then the CRM changes since the CRM watermark
 * (a change-tracking delta link). Rows last modified by the integration user are our own echoes
 * and are left out. Each record is written to the ERP on its own, so one failure blocks nothing;
 * the bookkeeping around those writes (pending couplings, couplings' versions, write history) goes
 * per chunk in a few statements (ChunkBatch).
 */
export const runToErpPass: PassRunner = async (ctx, m, jobId, opts) => {
  const counters = emptyCounters();
  const size = ctx.chunkSize ?? 1000;
  const who = await ctx.crm.integrationUserId();
  if (!who.ok)
    throw passFailed(
      'crm_read_failed',
      `Cannot identify the integration user in the CRM: ${who.error.message}`,
    );
  const integrationUser = who.value;
  const job: PassJob = { ctx, m, pass: 'FromIntegrationTable', jobId, counters };
  const settings: PlanSettings = {
    m,
    pass: job.pass,
    opts,
    lookups: couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings),
    destinationActor: ERP_INTEGRATION_ACTOR,
  };
  // ERP creates a killed or interrupted run left pending are settled before anything else.
  await resolvePendingErpCreates(ctx, m, jobId, counters);
  // A mapping with a lookup to itself plans and writes one record at a time: a record created here
  // can be the lookup target of a later record of the same chunk. Others plan the whole chunk first.
  const selfLookup = m.fields.some((f) => f.enabled && f.lookup?.mapping === m.name);
  let done = 0;
  const process = async (rows: readonly CrmRecord[]) => {
    for (let i = 0; i < rows.length; i += size) {
      const records = await readToErpChunk(ctx, m, rows.slice(i, i + size));
      const plans: RecordPlan<CrmRecord, ErpRecord>[] = [];
      if (selfLookup) {
        for (const record of records) {
          const plan = await planRecord(settings, record);
          plans.push(plan);
          await writeToErp(job, plan, undefined);
        }
      } else {
        for (const record of records) plans.push(await planRecord(settings, record));
        const batch = await prepareChunk(job, plans);
        for (const plan of plans) await writeToErp(job, plan, batch);
        await flushChunk(job, batch);
      }
      await settleAsk(job, plans);
      done += Math.min(size, rows.length - i);
      await saveProgress(ctx.db, jobId, counters);
      ctx.onProgress?.(counters, done, undefined);
    }
  };

  if (opts.crmIds) {
    const found = await crmRowsOrStop(ctx, m.crmEntity, opts.crmIds);
    await process([...found.values()]);
    return counters;
  }
  const retry = await retrySet(ctx.db, m.name, 'FromIntegrationTable');
  const retried = new Set<string>();
  if (retry.length > 0) {
    const found = await crmRowsOrStop(
      ctx,
      m.crmEntity,
      retry.map((c) => c.crmId),
    );
    for (const id of found.keys()) retried.add(id);
    await process([...found.values()]);
  }
  // The changes come slim, page by page: echoes are dropped unread, the real changes are read in
  // full a chunk at a time (docs/sync-engine.md, "Reading CRM changes").
  let watermark: string | undefined;
  let wanted: string[] = [];
  const readAndProcess = async (ids: readonly string[]) =>
    process([...(await crmRowsOrStop(ctx, m.crmEntity, ids)).values()]);
  for await (const page of ctx.crm.changePages(
    m.crmEntity,
    (await getWatermarks(ctx.db, m.name)).crm,
  )) {
    if (!page.ok)
      throw passFailed(
        'crm_read_failed',
        `Reading changes of ${m.crmEntity} failed: ${page.error.message}`,
      );
    for (const r of page.value.rows)
      if (!retried.has(r.id) && (r.modifiedBy !== integrationUser || opts.force)) wanted.push(r.id);
    for (; wanted.length >= size; wanted = wanted.slice(size))
      await readAndProcess(wanted.slice(0, size));
    watermark = page.value.nextWatermark ?? watermark;
  }
  if (wanted.length > 0) await readAndProcess(wanted);
  if (watermark === undefined)
    throw passFailed('crm_read_failed', `Reading changes of ${m.crmEntity} ended early`);
  await setWatermark(ctx.db, m.name, 'crm', watermark);
  return counters;
};

/** The in-scope CRM rows of a chunk with their couplings and coupled ERP rows (one ERP read). */
export const readToErpChunk: ChunkReader<CrmRecord, ErpRecord> = (ctx, m, rows) =>
  readChunk(ctx, m, 'FromIntegrationTable', rows, async (couplings) => {
    // A pending coupling awaiting its ERP create: the ERP has nothing to compare with yet.
    const current = await ctx.erp.get(
      m.erpTable,
      couplings.filter((c) => !awaitsCreate(c, 'erp')).map((c) => c.erpId),
    );
    return (c) => (awaitsCreate(c, 'erp') ? { kind: 'none' } : found(current.get(c.erpId)));
  });

/**
 * A chunk's bookkeeping gathered for a few statements instead of three per record: the pending
 * couplings of its creates (by CRM id), inserted together before any ERP write so each create
 * stays exactly-once (a run killed mid-chunk leaves them to resolvePendingErpCreates), and the
 * couplings marked synchronized and the write history of its creates, written after the chunk.
 * A kill before that last step loses nothing a next run cannot settle: the pending couplings of
 * rows that landed are coupled by resolvePendingErpCreates, as for a kill right after one write.
 */
interface ChunkBatch {
  readonly pending: Map<string, Coupling>;
  readonly synced: { id: string; erpSeq: number | null; crmVersion: number | null }[];
  readonly history: WriteRecord[];
}

async function prepareChunk(
  job: PassJob,
  plans: readonly RecordPlan<CrmRecord, ErpRecord>[],
): Promise<ChunkBatch> {
  const { ctx, m } = job;
  // Dropped couplings go first: the create's pending coupling takes the same CRM id.
  for (const p of plans) if (p.dropCoupling) await deleteCoupling(ctx.db, p.dropCoupling.id);
  const creates = plans.filter((p) => p.action.kind === 'create' && !p.coupling);
  const byErpId = await insertPendingCouplings(
    ctx.db,
    { mappingName: m.name, erpTable: m.erpTable, crmEntity: m.crmEntity, pendingSide: 'erp' },
    creates.map((p) => ({ erpId: newId(), crmId: p.source.id })),
  );
  return {
    pending: new Map([...byErpId.values()].map((c) => [c.crmId, c])),
    synced: [],
    history: [],
  };
}

async function flushChunk(job: PassJob, batch: ChunkBatch): Promise<void> {
  await markSyncedMany(job.ctx.db, 'FromIntegrationTable', job.jobId, batch.synced);
  await recordWrites(job.ctx.db, batch.history);
}

/** Carries out one record's plan in the ERP, each write in its own transaction. */
async function writeToErp(
  job: PassJob,
  p: RecordPlan<CrmRecord, ErpRecord>,
  batch: ChunkBatch | undefined,
): Promise<void> {
  const { ctx, jobId } = job;
  if (p.dropCoupling && !batch) await deleteCoupling(ctx.db, p.dropCoupling.id);
  countSettled(job.counters, p.action);
  const action = p.action;
  if (action.kind === 'fail')
    return failRecord(job, idsOf(p.source, p.coupling), p.coupling, action.failure);
  if (action.kind === 'unchanged' && action.markSynced) {
    const versions = { erpSeq: p.destination!.changeSeq, crmVersion: p.source.version };
    if (batch) batch.synced.push({ id: p.coupling!.id, ...versions });
    else await markSynced(ctx.db, p.coupling!.id, 'FromIntegrationTable', jobId, versions);
  }
  if (action.kind === 'create')
    return createInErp(
      job,
      p.source,
      p.coupling ?? batch?.pending.get(p.source.id),
      action.values,
      batch,
    );
  if (action.kind === 'update')
    return updateInErp(job, p.source, p.coupling!, p.destination!, action.changes);
}

/**
 * Creates the ERP row exactly once: its id is chosen and recorded (a pending coupling, or the one a
 * previous run left) before the write, so a run killed between the write and the coupling's update
 * is settled by the next run (src/sync/engine/pending-creates.ts) instead of creating it twice.
 */
async function createInErp(
  job: PassJob,
  row: CrmRecord,
  pending: Coupling | undefined,
  values: Record<string, unknown>,
  batch: ChunkBatch | undefined,
): Promise<void> {
  const { ctx, m } = job;
  const c =
    pending ??
    (await insertCoupling(ctx.db, {
      mappingName: m.name,
      erpTable: m.erpTable,
      erpId: newId(),
      crmEntity: m.crmEntity,
      crmId: row.id,
      state: 'pending',
      pendingSide: 'erp',
    }));
  const created = await ctx.erp.insert(m.erpTable, values, c.erpId);
  if (!created.ok) {
    // The ERP write is one transaction: nothing was created, and the record stays uncoupled as
    // any failed create (it comes back with its next change).
    await deleteCoupling(ctx.db, c.id);
    return failRecord(
      job,
      idsOf(row, undefined),
      undefined,
      syncFailure(
        'erp_write_refused',
        `Creating ${m.erpTable} failed because of the following error: ${created.error.message}`,
      ),
    );
  }
  if (!batch) return settle(job, c.id, created.value, row, { action: 'insert', after: values });
  batch.synced.push({ id: c.id, erpSeq: created.value.changeSeq, crmVersion: row.version });
  job.counters.inserted++;
  batch.history.push({
    jobId: job.jobId,
    mappingName: m.name,
    side: 'erp',
    recordId: created.value.id,
    action: 'insert',
    after: values,
  });
}

async function updateInErp(
  job: PassJob,
  row: CrmRecord,
  coupling: Coupling,
  destination: ErpRecord,
  changes: Record<string, unknown>,
): Promise<void> {
  const { ctx, m } = job;
  const updated = await ctx.erp.update(m.erpTable, coupling.erpId, changes);
  if (!updated.ok) {
    return failRecord(
      job,
      idsOf(row, coupling),
      coupling,
      syncFailure(
        'erp_write_refused',
        `Modifying ${m.erpTable} failed because of the following error: ${updated.error.message.replace(/\.+$/, '')}`,
      ),
    );
  }
  await settle(job, coupling.id, updated.value, row, {
    action: 'modify',
    before: Object.fromEntries(Object.keys(changes).map((k) => [k, destination.values[k] ?? null])),
    after: changes,
  });
}

/** After a successful ERP write: the coupling records both versions, the job counts the write and
 * the write history keeps its values. */
async function settle(
  job: PassJob,
  couplingId: string,
  written: ErpRecord,
  row: CrmRecord,
  write: { action: 'insert' | 'modify'; before?: unknown; after: unknown },
): Promise<void> {
  const { ctx, m, jobId } = job;
  await markSynced(ctx.db, couplingId, 'FromIntegrationTable', jobId, {
    erpSeq: written.changeSeq,
    crmVersion: row.version,
  });
  if (write.action === 'insert') job.counters.inserted++;
  else job.counters.modified++;
  await recordWrite(ctx.db, {
    jobId,
    mappingName: m.name,
    side: 'erp',
    recordId: written.id,
    ...write,
  });
}

const idsOf = (row: CrmRecord, coupling: Coupling | undefined) => ({
  erpId: coupling?.erpId ?? null,
  crmId: row.id,
});
