import {
  couplingsByCrmIds,
  deleteCoupling,
  insertCoupling,
  markFailed,
  markSynced,
  retrySet,
} from '../couplings/coupling-repo.ts';
import { getWatermarks, setWatermark } from '../mappings/mapping-repo.ts';
import { type Coupling, emptyCounters, type JobCounters, type TableMapping } from '../model.ts';
import type { CrmRecord } from '../ports.ts';
import { resolveDeletionConflict } from './conflicts.ts';
import type { EngineContext, RunOptions } from './context.ts';
import { transferFields } from './field-transfer.ts';
import { logRecordError, recordWrite, saveProgress } from './job-log.ts';
import { couplingLookups } from './lookups.ts';
import { planUpdate } from './plan-update.ts';
import { matchesFilter } from './values.ts';

/**
 * One CRM → ERP pass of a mapping: the retry set, then the CRM changes since the CRM watermark
 * (a change-tracking delta link). Rows last modified by the integration user are our own echoes
 * and are left out. Each record is written to the ERP on its own, so one failure blocks nothing.
 */
export async function runToErpPass(
  ctx: EngineContext,
  m: TableMapping,
  jobId: string,
  opts: RunOptions,
): Promise<JobCounters> {
  const counters = emptyCounters();
  const size = ctx.chunkSize ?? 1000;
  const who = await ctx.crm.integrationUserId();
  if (!who.ok)
    throw new Error(`Cannot identify the integration user in the CRM: ${who.error.message}`);
  const integrationUser = who.value;
  const lookups = couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings);
  let done = 0;
  const process = async (rows: readonly CrmRecord[]) => {
    for (let i = 0; i < rows.length; i += size) {
      await processChunk(ctx, m, jobId, opts, rows.slice(i, i + size), counters, lookups);
      done += Math.min(size, rows.length - i);
      await saveProgress(ctx.db, jobId, counters);
      ctx.onProgress?.(counters, done, rows.length);
    }
  };

  if (opts.crmIds) {
    const found = await ctx.crm.get(m.crmEntity, opts.crmIds);
    if (!found.ok)
      throw new Error(`Reading ${m.crmEntity} from the CRM failed: ${found.error.message}`);
    await process([...found.value.values()]);
    return counters;
  }
  const retry = await retrySet(ctx.db, m.name, 'FromIntegrationTable');
  const retried = new Set<string>();
  if (retry.length > 0) {
    const found = await ctx.crm.get(
      m.crmEntity,
      retry.map((c) => c.crmId),
    );
    if (!found.ok)
      throw new Error(`Reading ${m.crmEntity} from the CRM failed: ${found.error.message}`);
    for (const id of found.value.keys()) retried.add(id);
    await process([...found.value.values()]);
  }
  const changes = await ctx.crm.changes(m.crmEntity, (await getWatermarks(ctx.db, m.name)).crm);
  if (!changes.ok)
    throw new Error(`Reading changes of ${m.crmEntity} failed: ${changes.error.message}`);
  await process(
    changes.value.rows.filter(
      (r) => !retried.has(r.id) && (r.modifiedBy !== integrationUser || opts.force),
    ),
  );
  await setWatermark(ctx.db, m.name, 'crm', changes.value.nextWatermark);
  return counters;
}

async function processChunk(
  ctx: EngineContext,
  m: TableMapping,
  jobId: string,
  opts: RunOptions,
  rows: readonly CrmRecord[],
  counters: JobCounters,
  lookups: ReturnType<typeof couplingLookups>,
): Promise<void> {
  const inFilter = rows.filter((r) => matchesFilter(r.values, m.crmFilter));
  const couplings = await couplingsByCrmIds(
    ctx.db,
    m.crmEntity,
    inFilter.map((r) => r.id),
  );
  const erpRows = await ctx.erp.get(
    m.erpTable,
    [...couplings.values()].map((c) => c.erpId),
  );
  const fail = async (row: CrmRecord, coupling: Coupling | undefined, message: string) => {
    counters.failed++;
    await logRecordError(ctx.db, jobId, m.name, 'FromIntegrationTable', {
      erpTable: m.erpTable,
      erpId: coupling?.erpId ?? null,
      crmEntity: m.crmEntity,
      crmId: row.id,
      message,
    });
    if (coupling) await markFailed(ctx.db, coupling.id, 'FromIntegrationTable', jobId, message);
  };

  for (const row of inFilter) {
    let coupling = couplings.get(row.id);
    let restoring = false;
    if (coupling && coupling.mappingName !== m.name) continue; // coupled through another mapping (e.g. item vs resource)
    if (coupling?.skipped && !opts.crmIds) {
      counters.skipped++;
      continue;
    }
    const destination = coupling ? erpRows.get(coupling.erpId) : undefined;
    if (coupling && !destination) {
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
    if (!coupling) {
      if (!restoring && m.syncOnlyCoupled && !opts.ignoreOnlyCoupled && !opts.crmIds) continue;
      const t = await transferFields(m, 'FromIntegrationTable', row.values, undefined, lookups);
      if (t.failure) {
        await fail(row, undefined, t.failure);
        continue;
      }
      const created = await ctx.erp.insert(m.erpTable, t.changes);
      if (!created.ok) {
        await fail(
          row,
          undefined,
          `Creating ${m.erpTable} failed because of the following error: ${created.error.message}`,
        );
        continue;
      }
      const c = await insertCoupling(ctx.db, {
        mappingName: m.name,
        erpTable: m.erpTable,
        erpId: created.value.id,
        crmEntity: m.crmEntity,
        crmId: row.id,
      });
      await markSynced(ctx.db, c.id, 'FromIntegrationTable', jobId, {
        erpSeq: created.value.changeSeq,
        crmVersion: row.version,
      });
      counters.inserted++;
      await recordWrite(ctx.db, {
        jobId,
        mappingName: m.name,
        side: 'erp',
        recordId: created.value.id,
        action: 'insert',
        after: t.changes,
      });
      continue;
    }
    const plan = await planUpdate({
      m,
      pass: 'FromIntegrationTable',
      force: opts.force,
      lastFailed: coupling.lastResultToErp === 'Failure',
      source: { version: row.version, synced: coupling.lastSyncedCrmVersion, values: row.values },
      destination: {
        version: destination!.changeSeq,
        synced: coupling.lastSyncedErpSeq,
        values: destination!.values,
        // An ERP row last written by the integration itself is not an ERP-side change (echo).
        isEcho: destination!.modifiedBy === 'integration',
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
      if (plan.synced) {
        await markSynced(ctx.db, coupling.id, 'FromIntegrationTable', jobId, {
          erpSeq: destination!.changeSeq,
          crmVersion: row.version,
        });
      }
      continue;
    }
    const updated = await ctx.erp.update(m.erpTable, coupling.erpId, plan.changes);
    if (!updated.ok) {
      await fail(
        row,
        coupling,
        `Modifying ${m.erpTable} failed because of the following error: ${updated.error.message.replace(/\.+$/, '')}`,
      );
      continue;
    }
    await markSynced(ctx.db, coupling.id, 'FromIntegrationTable', jobId, {
      erpSeq: updated.value.changeSeq,
      crmVersion: row.version,
    });
    counters.modified++;
    await recordWrite(ctx.db, {
      jobId,
      mappingName: m.name,
      side: 'erp',
      recordId: coupling.erpId,
      action: 'modify',
      before: Object.fromEntries(
        Object.keys(plan.changes).map((k) => [k, destination!.values[k] ?? null]),
      ),
      after: plan.changes,
    });
  }
}
