import {
  couplingsByCrmIds,
  couplingsByErpIds,
  deleteCoupling,
} from '../couplings/coupling-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { awaitsCreate } from '../engine/plan-records.ts';
import { type PassReport, runMapping } from '../engine/run-mapping.ts';
import type { TableMapping } from '../model.ts';

export interface CreateInReport {
  /** ERP id → CRM id of the records now coupled by this call. */
  readonly created: readonly { erpId: string; crmId: string }[];
  readonly alreadyCoupled: readonly string[];
  readonly failed: readonly { id: string; message: string }[];
  readonly jobs: readonly PassReport[];
}

/**
 * "Create in Dynamics 365 Sales" (and "Create in the ERP"), as BC offers them: records already validly coupled are skipped,
 * couplings whose CRM row is gone are removed, the rest are created in the CRM and coupled.
 */
export async function createInCrm(
  ctx: EngineContext,
  m: TableMapping,
  erpIds: readonly string[],
): Promise<CreateInReport> {
  const existing = await couplingsByErpIds(ctx.db, m.erpTable, erpIds);
  const crm = await ctx.crm.get(
    m.crmEntity,
    [...existing.values()].map((c) => c.crmId),
  );
  if (!crm.ok) throw new Error(crm.error.message);
  const alreadyCoupled: string[] = [];
  for (const c of existing.values()) {
    if (c.state === 'coupled' && crm.value.has(c.crmId)) alreadyCoupled.push(c.erpId);
    else if (c.state === 'coupled') await deleteCoupling(ctx.db, c.id);
  }
  const todo = erpIds.filter((id) => !alreadyCoupled.includes(id));
  const jobs = todo.length
    ? await runMapping(ctx, m, {
        only: 'ToIntegrationTable',
        erpIds: todo,
        ignoreOnlyCoupled: true,
        trigger: 'createInCrm',
      })
    : [];
  const after = await couplingsByErpIds(ctx.db, m.erpTable, todo);
  const created = todo.flatMap((erpId) => {
    const c = after.get(erpId);
    return c && c.state === 'coupled' && c.lastResultToCrm === 'Success'
      ? [{ erpId, crmId: c.crmId }]
      : [];
  });
  const failed = withJobFailure(
    await failuresOf(ctx, jobs, 'erp_id'),
    todo.filter((id) => !created.some((c) => c.erpId === id)),
    jobs,
  );
  return { created, alreadyCoupled, failed, jobs };
}

/** "Create in the ERP" from CRM rows: the mirror image of `createInCrm`. */
export async function createInErp(
  ctx: EngineContext,
  m: TableMapping,
  crmIds: readonly string[],
): Promise<CreateInReport> {
  const existing = await couplingsByCrmIds(ctx.db, m.crmEntity, crmIds);
  const erpRows = await ctx.erp.get(
    m.erpTable,
    [...existing.values()].map((c) => c.erpId),
  );
  const alreadyCoupled: string[] = [];
  for (const c of existing.values()) {
    // An interrupted create keeps its chosen ERP id: the run below settles it (couples the row
    // that landed, or creates it with that id).
    if (awaitsCreate(c, 'erp')) continue;
    if (erpRows.has(c.erpId)) alreadyCoupled.push(c.crmId);
    else await deleteCoupling(ctx.db, c.id);
  }
  const todo = crmIds.filter((id) => !alreadyCoupled.includes(id));
  const jobs = todo.length
    ? await runMapping(ctx, m, {
        only: 'FromIntegrationTable',
        crmIds: todo,
        ignoreOnlyCoupled: true,
        trigger: 'createInErp',
      })
    : [];
  const after = await couplingsByCrmIds(ctx.db, m.crmEntity, todo);
  const created = todo.flatMap((crmId) => {
    const c = after.get(crmId);
    return c && c.state === 'coupled' ? [{ erpId: c.erpId, crmId }] : [];
  });
  const failed = withJobFailure(
    await failuresOf(ctx, jobs, 'crm_id'),
    todo.filter((id) => !created.some((c) => c.crmId === id)),
    jobs,
  );
  return { created, alreadyCoupled, failed, jobs };
}

/** Records neither created nor failed on their own fail with their job when it failed as a whole. */
function withJobFailure(
  failed: { id: string; message: string }[],
  notCreated: readonly string[],
  jobs: readonly PassReport[],
): { id: string; message: string }[] {
  const job = jobs.find((j) => j.status === 'failed');
  if (!job) return failed;
  const message = `The synchronization job failed: ${job.message ?? 'unknown error'}`;
  const listed = new Set(failed.map((f) => f.id));
  return [...failed, ...notCreated.filter((id) => !listed.has(id)).map((id) => ({ id, message }))];
}

async function failuresOf(
  ctx: EngineContext,
  jobs: readonly PassReport[],
  column: 'erp_id' | 'crm_id',
) {
  const r = await ctx.db.query<{ id: string; message: string }>(
    `SELECT ${column} AS id, message FROM integration.sync_errors WHERE job_id = ANY($1::uuid[]) AND ${column} IS NOT NULL`,
    [jobs.map((j) => j.jobId)],
  );
  return r.rows;
}
