import { newId } from '../../shared/ids.ts';
import {
  couplingsByErpIds,
  deleteCoupling,
  insertPendingCouplings,
  markFailed,
  markSyncedMany,
  retrySet,
} from '../couplings/coupling-repo.ts';
import { getWatermarks, setWatermark } from '../mappings/mapping-repo.ts';
import { type Coupling, emptyCounters, type JobCounters, type TableMapping } from '../model.ts';
import type { CrmRecord, CrmWrite, ErpRecord } from '../ports.ts';
import { resolveDeletionConflict } from './conflicts.ts';
import type { EngineContext, RunOptions } from './context.ts';
import { transferFields } from './field-transfer.ts';
import { logRecordError, recordWrites, saveProgress, type WriteRecord } from './job-log.ts';
import { couplingLookups } from './lookups.ts';
import { planUpdate } from './plan-update.ts';
import { matchesFilter } from './values.ts';

const ERP_ACTOR = 'integration';

interface PlannedWrite {
  readonly row: ErpRecord;
  readonly coupling: Coupling;
  readonly write: CrmWrite;
  readonly before?: Readonly<Record<string, unknown>>;
}

/**
 * One ERP → CRM pass of a mapping (reference §3.2–3.6): the retry set, then rows changed since the
 * ERP watermark; per row find the coupling, detect changes and conflicts, transfer fields, and write
 * all CRM changes of a chunk in one `$batch`. A failing record is logged and never blocks others.
 */
export async function runToCrmPass(
  ctx: EngineContext,
  m: TableMapping,
  jobId: string,
  opts: RunOptions,
): Promise<JobCounters> {
  const counters = emptyCounters();
  const size = ctx.chunkSize ?? 1000;
  const lookups = couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings);
  const seen = new Set<string>();
  const process = async (rows: ErpRecord[]) => {
    const fresh = rows.filter((r) => !seen.has(r.id));
    for (const r of fresh) seen.add(r.id);
    if (fresh.length > 0) await processChunk(ctx, m, jobId, opts, fresh, counters, lookups);
    await saveProgress(ctx.db, jobId, counters);
    ctx.onProgress?.(counters, seen.size, undefined);
  };

  if (opts.erpIds) {
    for (let i = 0; i < opts.erpIds.length; i += size) {
      const found = await ctx.erp.get(m.erpTable, opts.erpIds.slice(i, i + size));
      await process([...found.values()]);
    }
    return counters;
  }
  const cap = await ctx.erp.currentSeq();
  const retry = await retrySet(ctx.db, m.name, 'ToIntegrationTable');
  for (let i = 0; i < retry.length; i += size) {
    const found = await ctx.erp.get(
      m.erpTable,
      retry.slice(i, i + size).map((c) => c.erpId),
    );
    await process([...found.values()]);
  }
  let after = (await getWatermarks(ctx.db, m.name)).erp;
  for (;;) {
    const page = (await ctx.erp.changedSince(m.erpTable, after, size)).filter(
      (r) => r.changeSeq <= cap,
    );
    if (page.length === 0) break;
    await process(page.filter((r) => r.modifiedBy !== ERP_ACTOR || opts.force));
    after = page[page.length - 1]!.changeSeq;
    await setWatermark(ctx.db, m.name, 'erp', after);
  }
  await setWatermark(ctx.db, m.name, 'erp', after ?? cap);
  return counters;
}

async function processChunk(
  ctx: EngineContext,
  m: TableMapping,
  jobId: string,
  opts: RunOptions,
  rows: ErpRecord[],
  counters: JobCounters,
  lookups: ReturnType<typeof couplingLookups>,
): Promise<void> {
  const inFilter = rows.filter((r) => matchesFilter(r.values, m.erpFilter));
  const couplings = await couplingsByErpIds(
    ctx.db,
    m.erpTable,
    inFilter.map((r) => r.id),
  );
  const coupledIds = [...couplings.values()]
    .filter((c) => c.state === 'coupled')
    .map((c) => c.crmId);
  const current = await ctx.crm.get(m.crmEntity, coupledIds);
  if (!current.ok)
    throw new Error(`Reading ${m.crmEntity} from the CRM failed: ${current.error.message}`);
  const crmRows = current.value;
  const who = m.direction === 'Bidirectional' ? await ctx.crm.integrationUserId() : undefined;
  const integrationUser = who?.ok ? who.value : undefined;
  const planned: PlannedWrite[] = [];
  const creates: { row: ErpRecord; coupling: Coupling | undefined }[] = [];
  const synced: { id: string; erpSeq: number | null; crmVersion: number | null }[] = [];
  const history: WriteRecord[] = [];
  const fail = async (row: ErpRecord, coupling: Coupling | undefined, message: string) => {
    counters.failed++;
    await logRecordError(ctx.db, jobId, m.name, 'ToIntegrationTable', {
      erpTable: m.erpTable,
      erpId: row.id,
      crmEntity: m.crmEntity,
      crmId: coupling?.crmId ?? null,
      message,
    });
    if (coupling) await markFailed(ctx.db, coupling.id, 'ToIntegrationTable', jobId, message);
  };

  for (const row of inFilter) {
    let coupling = couplings.get(row.id);
    let restoring = false;
    if (coupling?.skipped && !opts.erpIds) {
      counters.skipped++;
      continue;
    }
    let destination: CrmRecord | undefined;
    if (coupling?.state === 'coupled') {
      destination = crmRows.get(coupling.crmId);
      if (!destination) {
        // Deletion conflict (§3.5): the coupled CRM row is gone.
        const outcome = resolveDeletionConflict(m, opts.force);
        if (outcome.action === 'fail') {
          await fail(row, coupling, outcome.message);
          continue;
        }
        // Remove coupling: the record is simply uncoupled. Restore: the destination is created again.
        await deleteCoupling(ctx.db, coupling.id);
        if (outcome.action === 'uncouple') {
          counters.uncoupled++;
          continue;
        }
        coupling = undefined;
        restoring = true;
      }
    }
    if (!coupling || coupling.state === 'pending') {
      if (!coupling && !restoring && m.syncOnlyCoupled && !opts.ignoreOnlyCoupled && !opts.erpIds)
        continue;
      creates.push({ row, coupling });
      continue;
    }
    const plan = await planUpdate({
      m,
      pass: 'ToIntegrationTable',
      force: opts.force,
      lastFailed: coupling.lastResultToCrm === 'Failure',
      source: { version: row.changeSeq, synced: coupling.lastSyncedErpSeq, values: row.values },
      destination: {
        version: destination!.version,
        synced: coupling.lastSyncedCrmVersion,
        values: destination!.values,
        // A CRM row last written by the integration itself is not a CRM-side change (echo).
        isEcho: destination!.modifiedBy === integrationUser,
      },
      lookups,
    });
    if (plan.kind === 'skip') {
      counters.skipped++; // the other pass brings the winning side's values
      continue;
    }
    if (plan.kind === 'fail') {
      await fail(row, coupling, plan.message);
      continue;
    }
    if (plan.kind === 'unchanged') {
      counters.unchanged++;
      if (plan.synced)
        synced.push({ id: coupling.id, erpSeq: row.changeSeq, crmVersion: destination!.version });
      continue;
    }
    planned.push({
      row,
      coupling,
      before: destination!.values,
      write: { kind: 'update', entity: m.crmEntity, id: coupling.crmId, values: plan.changes },
    });
  }
  // Exactly-once create (B3): the CRM ids are chosen and recorded (as pending couplings) before the
  // creates are sent, so a retried run re-sends the same creates instead of making duplicates. A
  // pending coupling also carries a failure, so a record that cannot be created yet is retried.
  const pending = await insertPendingCouplings(
    ctx.db,
    { mappingName: m.name, erpTable: m.erpTable, crmEntity: m.crmEntity },
    creates.filter((c) => !c.coupling).map((c) => ({ erpId: c.row.id, crmId: newId() })),
  );
  for (const { row, coupling } of creates) {
    const c = coupling ?? pending.get(row.id)!;
    const t = await transferFields(m, 'ToIntegrationTable', row.values, undefined, lookups);
    if (t.failure) {
      await fail(row, c, t.failure);
      continue;
    }
    planned.push({
      row,
      coupling: c,
      write: { kind: 'create', entity: m.crmEntity, id: c.crmId, values: t.changes },
    });
  }
  if (planned.length === 0) {
    await markSyncedMany(ctx.db, 'ToIntegrationTable', jobId, synced);
    return;
  }

  const results = await ctx.crm.write(planned.map((p) => p.write));
  if (!results.ok) {
    for (const p of planned)
      await fail(p.row, p.coupling, `Writing to the CRM failed: ${results.error.message}`);
    return;
  }
  for (const [i, p] of planned.entries()) {
    const r = results.value[i]!;
    if (!r.ok) {
      const verb = p.write.kind === 'create' ? 'Creating' : 'Modifying';
      await fail(
        p.row,
        p.coupling,
        `${verb} ${m.crmEntity} failed because of the following error: ${r.message.replace(/\.+$/, '')}`,
      );
      continue;
    }
    synced.push({ id: p.coupling.id, erpSeq: p.row.changeSeq, crmVersion: r.version });
    if (p.write.kind === 'create') counters.inserted++;
    else counters.modified++;
    history.push({
      jobId,
      mappingName: m.name,
      side: 'crm',
      recordId: p.coupling.crmId,
      action: p.write.kind === 'create' ? 'insert' : 'modify',
      before: p.before ? pick(p.before, Object.keys(p.write.values)) : undefined,
      after: p.write.values,
    });
  }
  await markSyncedMany(ctx.db, 'ToIntegrationTable', jobId, synced);
  await recordWrites(ctx.db, history);
}

const pick = (values: Readonly<Record<string, unknown>>, keys: string[]) =>
  Object.fromEntries(keys.map((k) => [k, values[k] ?? null]));
