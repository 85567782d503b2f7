import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { couplingsByErpIds } from '../couplings/coupling-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { transferFields } from '../engine/field-transfer.ts';
import { couplingLookups } from '../engine/lookups.ts';
import { type PassReport, runMapping } from '../engine/run-mapping.ts';
import type { TableMapping } from '../model.ts';

export type SyncNowDirection = 'send' | 'get' | 'merge';

export interface SyncNowRecord {
  readonly erpId: string;
  readonly crmId: string | null;
  readonly outcome: 'synchronized' | 'failed' | 'skipped' | 'notCoupled' | 'needsConfirmation';
  readonly message?: string;
}

export interface SyncNowReport {
  readonly direction: SyncNowDirection;
  readonly records: readonly SyncNowRecord[];
  readonly jobs: readonly PassReport[];
  /** Overwrite warnings (both sides changed); repeat with `confirmOverwrite` to go ahead. */
  readonly warnings: readonly string[];
}

/**
 * Synchronize now on coupled records, as BC's direction prompt offers it: send (ERP wins), get (CRM wins) or merge
 * (both directions, conflicts by policy). When both sides changed and a one-way choice would
 * overwrite newer data, the record is held with a warning unless `confirmOverwrite` is set.
 */
export async function synchronizeNow(
  ctx: EngineContext,
  m: TableMapping,
  erpIds: readonly string[],
  direction: SyncNowDirection,
  confirmOverwrite = false,
): Promise<Result<SyncNowReport>> {
  if (direction === 'merge' && m.direction !== 'Bidirectional') {
    return failure(
      'invalid_direction',
      `Mapping ${m.name} is not bidirectional; choose send or get`,
    );
  }
  if (direction === 'send' && m.direction === 'FromIntegrationTable') {
    return failure('invalid_direction', `Mapping ${m.name} only gets data from Dynamics 365 Sales`);
  }
  if (direction === 'get' && m.direction === 'ToIntegrationTable') {
    return failure('invalid_direction', `Mapping ${m.name} only sends data to Dynamics 365 Sales`);
  }
  const couplings = await couplingsByErpIds(ctx.db, m.erpTable, erpIds);
  const erpRows = await ctx.erp.get(m.erpTable, erpIds);
  const crm = await ctx.crm.get(
    m.crmEntity,
    [...couplings.values()].map((c) => c.crmId),
  );
  if (!crm.ok) return crm;
  const lookups = couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings);
  const records: SyncNowRecord[] = [];
  const warnings: string[] = [];
  const go: { erpId: string; crmId: string }[] = [];
  for (const erpId of erpIds) {
    const c = couplings.get(erpId);
    if (c?.state !== 'coupled') {
      records.push({
        erpId,
        crmId: null,
        outcome: 'notCoupled',
        message: 'The record is not coupled; couple it or create it in the other system first',
      });
      continue;
    }
    if (c.skipped) {
      records.push({
        erpId,
        crmId: c.crmId,
        outcome: 'skipped',
        message: 'The record is marked as skipped; restore it first',
      });
      continue;
    }
    const erpRow = erpRows.get(erpId);
    const crmRow = crm.value.get(c.crmId);
    if (erpRow && crmRow && direction !== 'merge' && !confirmOverwrite) {
      const erpChanged = erpRow.changeSeq > (c.lastSyncedErpSeq ?? 0);
      const crmChanged = crmRow.version > (c.lastSyncedCrmVersion ?? 0);
      if (erpChanged && crmChanged) {
        const pass = direction === 'send' ? 'ToIntegrationTable' : 'FromIntegrationTable';
        const [src, dst] =
          direction === 'send' ? [erpRow.values, crmRow.values] : [crmRow.values, erpRow.values];
        const dry = await transferFields(m, pass, src, dst, lookups);
        if (Object.keys(dry.changes).length > 0) {
          const side = direction === 'send' ? 'Dynamics 365 Sales' : 'the ERP';
          const message = `Both records changed since the last synchronization; the data in ${side} will be overwritten (${Object.keys(dry.changes).join(', ')})`;
          warnings.push(`${m.erpTable} ${erpId}: ${message}`);
          records.push({ erpId, crmId: c.crmId, outcome: 'needsConfirmation', message });
          continue;
        }
      }
    }
    go.push({ erpId, crmId: c.crmId });
  }
  const jobs: PassReport[] = [];
  if (go.length > 0) {
    const trigger = 'synchronizeNow';
    if (direction !== 'get') {
      jobs.push(
        ...(await runMapping(ctx, m, {
          only: 'ToIntegrationTable',
          erpIds: go.map((g) => g.erpId),
          force: direction === 'send',
          trigger,
        })),
      );
    }
    if (direction !== 'send') {
      jobs.push(
        ...(await runMapping(ctx, m, {
          only: 'FromIntegrationTable',
          crmIds: go.map((g) => g.crmId),
          force: direction === 'get',
          trigger,
        })),
      );
    }
    const errors = await errorsOf(
      ctx.db,
      jobs.map((j) => j.jobId),
    );
    // The outcome is the job's: a pass that failed as a whole (the CRM unreachable, say) wrote
    // nothing for its records, even though none of them logged an error of its own.
    const failedJob = jobs.find((j) => j.status === 'failed');
    for (const g of go) {
      const e = errors.get(g.erpId) ?? errors.get(g.crmId);
      if (e) records.push({ ...g, outcome: 'failed', message: e });
      else if (failedJob) {
        records.push({
          ...g,
          outcome: 'failed',
          message: `The synchronization job failed: ${failedJob.message ?? 'unknown error'}`,
        });
      } else records.push({ ...g, outcome: 'synchronized' });
    }
  }
  return ok({ direction, records, jobs, warnings });
}

async function errorsOf(db: Queryable, jobIds: string[]): Promise<Map<string, string>> {
  const r = await db.query<{ erp_id: string | null; crm_id: string | null; message: string }>(
    'SELECT erp_id, crm_id, message FROM integration.sync_errors WHERE job_id = ANY($1::uuid[]) ORDER BY id',
    [jobIds],
  );
  const out = new Map<string, string>();
  for (const row of r.rows) {
    if (row.erp_id) out.set(row.erp_id, row.message);
    if (row.crm_id) out.set(row.crm_id, row.message);
  }
  return out;
}
