import { couplingTables, markSyncedMany } from '../couplings/coupling-repo.ts';
import { settleCreates, unsettledCreates } from '../couplings/create-journal.ts';
import { passFailed } from '../errors.ts';
import type { JobCounters, TableMapping } from '../model.ts';
import type { EngineContext } from './context.ts';

/**
 * Resolves the CRM creates a previous run left pending (a run killed, or the CRM gone, between
 * recording the chosen CRM ids and confirming the `$batch`): a pending coupling whose CRM row
 * exists was created — it becomes coupled with that row's version (the ERP side counts as not
 * synchronized yet, so the pass compares the record again); one whose row is missing goes back
 * into the retry set, unskipped, and is created with the same id by this pass. Without this, a
 * re-sent create meets its own earlier row ("matching key values already exists") forever.
 */
export async function resolvePendingCreates(
  ctx: EngineContext,
  m: TableMapping,
  jobId: string,
  counters: JobCounters,
): Promise<void> {
  await resolveJournaledCreates(ctx, m, jobId, counters);
  const pending = await ctx.db.query<{ id: string; crm_id: string }>(
    `SELECT id, crm_id FROM integration.couplings
     WHERE mapping_name = $1 AND state = 'pending' AND pending_side = 'crm' ORDER BY created_at, id`,
    [m.name],
  );
  const size = ctx.chunkSize ?? 1000;
  for (let i = 0; i < pending.rows.length; i += size) {
    const chunk = pending.rows.slice(i, i + size);
    const found = await ctx.crm.get(
      m.crmEntity,
      chunk.map((c) => c.crm_id),
    );
    if (!found.ok) {
      throw passFailed(
        'crm_read_failed',
        `Checking pending creates of ${m.crmEntity} in the CRM failed: ${found.error.message}`,
      );
    }
    const landed = chunk.filter((c) => found.value.has(c.crm_id));
    await markSyncedMany(
      ctx.db,
      'ToIntegrationTable',
      jobId,
      landed.map((c) => ({
        id: c.id,
        erpSeq: null,
        crmVersion: found.value.get(c.crm_id)!.version,
      })),
    );
    counters.coupled += landed.length;
    const missing = chunk.filter((c) => !found.value.has(c.crm_id)).map((c) => c.id);
    if (missing.length > 0) {
      await ctx.db.query(
        `UPDATE integration.couplings SET skipped = false, last_result_to_crm = 'Failure', updated_at = now()
         WHERE id = ANY($1::uuid[])`,
        [missing],
      );
    }
  }
}

/**
 * The creates a run cut off between its `$batch` and writing their couplings left in the create
 * journal (src/sync/couplings/create-journal.ts): the ones whose CRM row exists were made — they
 * are coupled with that row's version, the ERP side not synchronized yet (its rows, still after
 * the watermark, are compared again by this pass); the others never landed, and the ERP rows,
 * uncoupled, are created by this pass. Matching runs it first too: a landed create is its own
 * record's account, never a candidate for another record with the same name.
 */
export async function resolveJournaledCreates(
  ctx: EngineContext,
  m: TableMapping,
  jobId: string,
  counters: JobCounters,
): Promise<void> {
  for (const entry of await unsettledCreates(ctx.db, m.name)) {
    const found = await ctx.crm.get(
      m.crmEntity,
      entry.creates.map((c) => c.crmId),
    );
    if (!found.ok) {
      throw passFailed(
        'crm_read_failed',
        `Checking interrupted creates of ${m.crmEntity} in the CRM failed: ${found.error.message}`,
      );
    }
    const landed = entry.creates.flatMap((c) => {
      const row = found.value.get(c.crmId);
      return row ? [{ ...c, erpSeq: null, crmVersion: row.version }] : [];
    });
    await settleCreates(ctx.db, { ...couplingTables(m), jobId }, entry.id, landed, {
      resumed: true,
    });
    counters.coupled += landed.length;
  }
}

/**
 * The CRM → ERP side of the same: a pending coupling with `pending_side = 'erp'` chose its ERP id
 * before the create. The ERP row with that id exists → coupled with its change sequence (the CRM
 * side counts as not synchronized yet: the CRM row, still before the watermark, is compared again);
 * it does not → the coupling fails in the CRM → ERP direction, so this pass's retry set creates it
 * with the same id (a skipped one waits to be restored). A create that landed is coupled even when
 * its coupling is skipped: the row exists, and creating it again could only fail.
 */
export async function resolvePendingErpCreates(
  ctx: EngineContext,
  m: TableMapping,
  jobId: string,
  counters: JobCounters,
): Promise<void> {
  const pending = await ctx.db.query<{ id: string; erp_id: string }>(
    `SELECT id, erp_id FROM integration.couplings
     WHERE mapping_name = $1 AND state = 'pending' AND pending_side = 'erp'
     ORDER BY created_at, id`,
    [m.name],
  );
  const size = ctx.chunkSize ?? 1000;
  for (let i = 0; i < pending.rows.length; i += size) {
    const chunk = pending.rows.slice(i, i + size);
    const found = await ctx.erp.get(
      m.erpTable,
      chunk.map((c) => c.erp_id),
    );
    const landed = chunk.filter((c) => found.has(c.erp_id));
    await markSyncedMany(
      ctx.db,
      'FromIntegrationTable',
      jobId,
      landed.map((c) => ({ id: c.id, erpSeq: found.get(c.erp_id)!.changeSeq, crmVersion: null })),
    );
    counters.coupled += landed.length;
    const missing = chunk.filter((c) => !found.has(c.erp_id)).map((c) => c.id);
    if (missing.length > 0) {
      await ctx.db.query(
        `UPDATE integration.couplings SET last_result_to_erp = 'Failure', updated_at = now()
         WHERE id = ANY($1::uuid[]) AND NOT skipped`,
        [missing],
      );
    }
  }
}
