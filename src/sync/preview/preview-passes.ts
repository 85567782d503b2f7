import { retrySet } from '../couplings/coupling-repo.ts';
import type { EngineContext, RunOptions } from '../engine/context.ts';
import { echoesInStep, withoutEchoes } from '../engine/echoes.ts';
import { couplingLookups } from '../engine/lookups.ts';
import { type PlanSettings, planChunk } from '../engine/plan-records.ts';
import { crmRowsOrStop } from '../engine/read-chunk.ts';
import { readToCrmChunk } from '../engine/to-crm-pass.ts';
import { readToErpChunk } from '../engine/to-erp-pass.ts';
import { passFailed } from '../errors.ts';
import type { TableMapping } from '../model.ts';
import { type CrmRecord, ERP_INTEGRATION_ACTOR, type ErpRecord } from '../ports.ts';
import { describeInStep, describePlan } from './describe.ts';
import { settlePendingCrmCreates, settlePendingErpCreates } from './pending.ts';
import type { PreviewDetail } from './preview-model.ts';
import { afterToCrm, crmRowNow, overlay, retryNow, type VirtualState } from './virtual-state.ts';

/**
 * The two passes of a run without their writes. Each walks the records its pass would
 * (src/sync/engine/to-crm-pass.ts, to-erp-pass.ts): the given records, or the retry set and then
 * the changes after the watermark (`from`; null reads everything, as a full synchronization
 * does), reads them with the pass's own chunk reader and plans them with `planChunk`. Watermarks
 * are read, never moved.
 */

/** The ERP → CRM pass: what it would write to the CRM. */
export async function previewToCrm(
  ctx: EngineContext,
  m: TableMapping,
  opts: RunOptions,
  from: number | null,
  state: VirtualState,
): Promise<PreviewDetail[]> {
  const pass = 'ToIntegrationTable';
  const size = ctx.chunkSize ?? 1000;
  const details = await settlePendingCrmCreates(ctx, m, state);
  // Needed only to tell echoes when the CRM side can change too (as the pass does).
  const who = m.direction === 'Bidirectional' ? await ctx.crm.integrationUserId() : undefined;
  const integrationUser = who?.ok ? who.value : undefined;
  const settings: PlanSettings = {
    m,
    pass,
    opts,
    lookups: couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings),
    destinationActor: integrationUser,
  };
  const seen = new Set<string>();
  const process = async (rows: readonly ErpRecord[]) => {
    const fresh = rows.filter((r) => !seen.has(r.id));
    for (const r of fresh) seen.add(r.id);
    if (fresh.length === 0) return;
    const records = overlay(state, pass, await readToCrmChunk(ctx, m, fresh));
    const plans = await planChunk(settings, records);
    for (const p of plans) details.push(...(await describePlan(m, pass, p, settings.lookups)));
    afterToCrm(state, records, plans, integrationUser);
  };

  if (opts.erpIds) {
    for (let i = 0; i < opts.erpIds.length; i += size)
      await process([...(await ctx.erp.get(m.erpTable, opts.erpIds.slice(i, i + size))).values()]);
    return details;
  }
  const cap = await ctx.erp.currentSeq();
  const retry = retryNow(state, await retrySet(ctx.db, m.name, pass), pass);
  for (let i = 0; i < retry.length; i += size) {
    const ids = retry.slice(i, i + size).map((c) => c.erpId);
    await process([...(await ctx.erp.get(m.erpTable, ids)).values()]);
  }
  let after = from;
  for (;;) {
    const page = await ctx.erp.changedSince(m.erpTable, after, size);
    const rows = page.records.filter((r) => r.changeSeq <= cap);
    if (rows.length > 0) {
      const taken = await withoutEchoes(ctx, m, rows, opts);
      // As the pass counts them: unchanged, the integration's own on both sides.
      if (opts.ignoreOnlyCoupled)
        for (const e of await echoesInStep(ctx, m, { rows, taken, seen }))
          details.push(describeInStep(m, e));
      await process(taken);
    }
    after = Math.min(page.nextSeq, cap);
    if (!page.more || rows.length < page.records.length) break;
  }
  return details;
}

/** The CRM → ERP pass: what it would write to the ERP, after the ERP → CRM pass's writes. */
export async function previewToErp(
  ctx: EngineContext,
  m: TableMapping,
  opts: RunOptions,
  from: string | null,
  state: VirtualState,
): Promise<PreviewDetail[]> {
  const pass = 'FromIntegrationTable';
  const size = ctx.chunkSize ?? 1000;
  const who = await ctx.crm.integrationUserId();
  if (!who.ok)
    throw passFailed(
      'crm_read_failed',
      `Cannot identify the integration user in the CRM: ${who.error.message}`,
    );
  const settings: PlanSettings = {
    m,
    pass,
    opts,
    lookups: couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings),
    destinationActor: ERP_INTEGRATION_ACTOR,
  };
  const details = await settlePendingErpCreates(ctx, m, state);
  const process = async (rows: readonly CrmRecord[]) => {
    for (let i = 0; i < rows.length; i += size) {
      const records = overlay(state, pass, await readToErpChunk(ctx, m, rows.slice(i, i + size)));
      for (const p of await planChunk(settings, records))
        details.push(...(await describePlan(m, pass, p, settings.lookups)));
    }
  };
  const now = (rows: Map<string, CrmRecord>) => [...rows.values()].map((r) => crmRowNow(state, r));

  if (opts.crmIds) {
    await process(now(await crmRowsOrStop(ctx, m.crmEntity, opts.crmIds)));
    return details;
  }
  const retry = retryNow(state, await retrySet(ctx.db, m.name, pass), pass);
  const retried = new Set<string>();
  if (retry.length > 0) {
    const found = await crmRowsOrStop(
      ctx,
      m.crmEntity,
      retry.map((c) => c.crmId),
    );
    for (const id of found.keys()) retried.add(id);
    await process(now(found));
  }
  const changes = await ctx.crm.changes(m.crmEntity, from);
  if (!changes.ok)
    throw passFailed(
      'crm_read_failed',
      `Reading changes of ${m.crmEntity} failed: ${changes.error.message}`,
    );
  await process(
    changes.value.rows
      .map((r) => crmRowNow(state, r))
      .filter((r) => !retried.has(r.id) && (r.modifiedBy !== who.value || opts.force)),
  );
  return details;
}
