import { retrySet } from '../couplings/coupling-repo.ts';
import { passFailed } from '../errors.ts';
import { getWatermarks, setWatermark } from '../mappings/mapping-repo.ts';
import { emptyCounters } from '../model.ts';
import { type CrmRecord, ERP_INTEGRATION_ACTOR, type ErpRecord } from '../ports.ts';
import { settleAsk } from './ask-settle.ts';
import type { PassRunner } from './context.ts';
import { saveProgress } from './job-log.ts';
import { couplingLookups } from './lookups.ts';
import { resolvePendingErpCreates } from './pending-creates.ts';
import {
  awaitsCreate,
  found,
  type PlanSettings,
  planRecord,
  type RecordPlan,
} from './plan-records.ts';
import { type ChunkReader, clearUnplannedDue, crmRowsOrStop, readChunk } from './read-chunk.ts';
import type { PassJob } from './record-failure.ts';
import { flushChunk, prepareChunk, writeChunk } from './to-erp-writes.ts';

/**
 * One CRM → ERP pass of a mapping: the retry set, then the CRM changes since the CRM watermark
 * (a change-tracking delta link). Rows last modified by the integration user are our own echoes
 * and are left out. A chunk's writes go to the ERP together, each atomic on its own so one failure
 * blocks nothing; the bookkeeping around them (pending couplings, couplings' versions, write
 * history) goes per chunk in a few statements (to-erp-writes.ts).
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
  // Progress counts the records the pass plans, those inside the mapping's CRM filter: what the
  // line's CRM count counts (line-counts.ts), so done never passes the line's total.
  let done = 0;
  const process = async (rows: readonly CrmRecord[]) => {
    for (let i = 0; i < rows.length; i += size) {
      // A stop ends the pass between chunks: what was written is booked, the watermark stays at what was written.
      ctx.signal?.throwIfAborted();
      const records = await readToErpChunk(ctx, m, rows.slice(i, i + size));
      const plans: RecordPlan<CrmRecord, ErpRecord>[] = [];
      const synced = new Map<string, string>();
      if (selfLookup) {
        for (const record of records) {
          const plan = await planRecord(settings, record);
          plans.push(plan);
          for (const [k, v] of await writePlans(job, [plan])) synced.set(k, v);
        }
      } else {
        for (const record of records) plans.push(await planRecord(settings, record));
        for (const [k, v] of await writePlans(job, plans)) synced.set(k, v);
      }
      await settleAsk(job, plans, synced);
      done += records.length;
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
    await clearUnplannedDue(ctx, m, job.pass, retry, found);
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
    // Between pages too: a page of echoes only is never processed, so it would not look at all.
    ctx.signal?.throwIfAborted();
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
 * Writes a chunk's plans (or one plan) to the ERP with their bookkeeping; answers the records
 * synchronized (CRM id → coupling id).
 */
async function writePlans(job: PassJob, plans: readonly RecordPlan<CrmRecord, ErpRecord>[]) {
  const batch = await prepareChunk(job, plans);
  await writeChunk(job, plans, batch);
  return flushChunk(job, batch);
}
