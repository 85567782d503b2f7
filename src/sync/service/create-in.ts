import {
  couplingsByCrmIds,
  couplingsByErpIds,
  deleteCoupling,
} from '../couplings/coupling-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { outsideFilterReason } from '../engine/filter-misses.ts';
import { awaitsCreate } from '../engine/plan-records.ts';
import { type PassReport, runMapping } from '../engine/run-mapping.ts';
import { mappingCovers, type PassDirection, type TableMapping } from '../model.ts';

export interface CreateInReport {
  /** ERP id → CRM id of the records now coupled by this call. */
  readonly created: readonly { erpId: string; crmId: string }[];
  readonly alreadyCoupled: readonly string[];
  /**
   * Every other id asked for, with the reason it was not created: the record does not exist, is
   * outside the mapping's filter, its write failed, or its job failed. Nothing asked for is left
   * out, so an empty answer never hides a record the call did not create.
   */
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
  const asked = erpIds.filter((id) => !alreadyCoupled.includes(id));
  const rows = await ctx.erp.get(m.erpTable, asked);
  const refused = refusals(m, 'ToIntegrationTable', asked, (id) => rows.get(id)?.values);
  const todo = asked.filter((id) => !refused.has(id));
  // Nothing left to create opens no synchronization job: the refusals say why.
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
  const failed = accountFor(
    [...refused.entries()].map(([id, message]) => ({ id, message })),
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
  const asked = crmIds.filter((id) => !alreadyCoupled.includes(id));
  const rows = await ctx.crm.get(m.crmEntity, asked);
  if (!rows.ok) throw new Error(rows.error.message);
  const refused = refusals(m, 'FromIntegrationTable', asked, (id) => rows.value.get(id)?.values);
  const todo = asked.filter((id) => !refused.has(id));
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
  const failed = accountFor(
    [...refused.entries()].map(([id, message]) => ({ id, message })),
    await failuresOf(ctx, jobs, 'crm_id'),
    todo.filter((id) => !created.some((c) => c.crmId === id)),
    jobs,
  );
  return { created, alreadyCoupled, failed, jobs };
}

/**
 * The records a create cannot even start on, with the reason (by id): the mapping does not go that
 * way, the record does not exist on the source side, or the mapping's filter leaves it out.
 */
function refusals(
  m: TableMapping,
  pass: PassDirection,
  ids: readonly string[],
  valuesOf: (id: string) => Readonly<Record<string, unknown>> | undefined,
): Map<string, string> {
  const toCrm = pass === 'ToIntegrationTable';
  // A mapping that does not go this way refuses every id for the same reason.
  if (!mappingCovers(m.direction, pass)) {
    const message = `Not created: mapping ${m.name} only ${toCrm ? 'gets data from' : 'sends data to'} Dynamics 365 Sales`;
    return new Map(ids.map((id) => [id, message]));
  }
  const out = new Map<string, string>();
  for (const id of ids) {
    const values = valuesOf(id);
    if (!values) {
      out.set(
        id,
        toCrm
          ? `Not created: no ${m.erpTable} record with this id exists in the ERP`
          : `Not created: no ${m.crmEntity} with this id exists in Dynamics 365 Sales`,
      );
      continue;
    }
    const outside = outsideFilterReason(m, toCrm ? 'erp' : 'crm', values);
    if (outside) out.set(id, `Not created: the record is ${outside}`);
  }
  return out;
}

/**
 * Accounts for every id asked for: the refused ones, those whose write failed, and the rest of the
 * records not created — with their job when it failed as a whole, else as not picked up by the run.
 */
function accountFor(
  refused: readonly { id: string; message: string }[],
  failed: readonly { id: string; message: string }[],
  notCreated: readonly string[],
  jobs: readonly PassReport[],
): { id: string; message: string }[] {
  const job = jobs.find((j) => j.status === 'failed');
  const message = job
    ? `The synchronization job failed: ${job.message ?? 'unknown error'}`
    : `Not created: the synchronization run did not create it (${jobs.map((j) => j.message ?? j.status).join('; ') || 'no run'})`;
  const listed = new Set(failed.map((f) => f.id));
  return [
    ...refused,
    ...failed,
    ...notCreated.filter((id) => !listed.has(id)).map((id) => ({ id, message })),
  ];
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
