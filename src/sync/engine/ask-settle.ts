import { systemClock } from '../../shared/clock.ts';
import {
  type BaselineSave,
  closeAgreed,
  type DetectedConflicts,
  saveBaselines,
  upsertConflicts,
} from '../conflicts/conflict-repo.ts';
import { markSynced } from '../couplings/coupling-repo.ts';
import { syncFailure } from '../errors.ts';
import type { Coupling } from '../model.ts';
import type { CrmRecord, ErpRecord } from '../ports.ts';
import { recordWrite, valuesOf } from './job-log.ts';
import type { RecordPlan } from './plan-records.ts';
import { failRecord, type PassJob } from './record-failure.ts';

type SideRecord = ErpRecord | CrmRecord;

/**
 * After a pass has written a chunk (policy `ask`, docs/sync-engine.md "Update conflicts"): for each
 * record the pass synchronized, the fields only the other side changed are written back to the
 * source side, the held fields open (or update) inbox entries, and the values both sides now
 * agree on are kept for the next run's comparison. Records whose write failed keep their old
 * agreed values, so a failure never makes a change look like no change; one whose write-back was
 * refused keeps them for the written-back fields and is marked unsettled. `synced` (source id →
 * coupling id) is what the pass marked synchronized in this chunk, when it knows; else it is read.
 * `booked` is the chunk's own bookkeeping still under way: a write-back marks the same coupling
 * again, so it waits for it; the baselines and the inbox do not.
 */
export async function settleAsk(
  job: PassJob,
  plans: readonly RecordPlan<SideRecord, SideRecord>[],
  synced?: ReadonlyMap<string, string>,
  booked?: Promise<unknown>,
): Promise<void> {
  const { ctx, m, pass, jobId } = job;
  const asked = plans.filter((p) => p.ask);
  if (m.updateConflict !== 'ask' || asked.length === 0) return;
  const toCrm = pass === 'ToIntegrationTable';
  const succeeded =
    synced ??
    (await syncedThisJob(
      job,
      asked.map((p) => p.source.id),
    ));
  const detected: DetectedConflicts[] = [];
  const baselines: BaselineSave[] = [];
  const agreed: { couplingId: string; erpField: string; crmField: string }[] = [];
  for (const p of asked) {
    const couplingId = succeeded.get(p.source.id);
    if (!couplingId || !p.ask) continue;
    if (Object.keys(p.ask.counterpart).length > 0 && p.coupling) {
      await booked;
      const written = await writeBack(job, p.coupling, p.ask.counterpart, p.source.values);
      recount(job, p.action.kind, written);
      if (!written) {
        // The pass's own write is done and agreed; the refused fields are not. The record is
        // marked unsettled: its destination now reads as the integration's echo, and the next
        // pass must still see that a user changed these fields there.
        if (p.ask.baselineIfRefused)
          baselines.push({ couplingId, crmValues: p.ask.baselineIfRefused, unsettled: true });
        continue;
      }
    }
    // A plan without a stored coupling created its record with a coupling id of its own.
    baselines.push({ couplingId, crmValues: p.ask.baseline, fresh: !p.coupling });
    for (const a of p.ask.agreed ?? []) agreed.push({ couplingId, ...a });
    if (p.ask.conflicts.length === 0 || !p.coupling) continue;
    const [erp, crm] = (toCrm ? [p.source, p.destination] : [p.destination, p.source]) as [
      ErpRecord | undefined,
      CrmRecord | undefined,
    ];
    detected.push({
      mapping: m.name,
      couplingId,
      erpTable: m.erpTable,
      erpId: p.coupling.erpId,
      crmEntity: m.crmEntity,
      crmId: p.coupling.crmId,
      fields: p.ask.conflicts,
      erpModifiedBy: erp?.modifiedBy ?? null,
      erpModifiedAt: timestamp(erp?.modifiedAt),
      crmModifiedBy: crm?.modifiedBy ?? null,
      crmModifiedAt: timestamp(crm?.values.modifiedon),
      jobId,
    });
  }
  await saveBaselines(ctx.db, baselines);
  const now = (ctx.clock ?? systemClock).now();
  await closeAgreed(ctx.db, agreed, now);
  if (detected.length > 0) {
    const names = await userNames(
      job,
      detected.map((d) => d.crmModifiedBy),
    );
    const now = (ctx.clock ?? systemClock).now();
    const opened = await upsertConflicts(
      ctx.db,
      detected.map((d) => ({
        ...d,
        crmModifiedBy: d.crmModifiedBy ? (names.get(d.crmModifiedBy) ?? d.crmModifiedBy) : null,
      })),
      now,
    );
    ctx.logger.info(
      { mapping: m.name, pass, held: detected.length, opened },
      'fields changed on both sides are waiting in the conflict inbox',
    );
  }
}

/**
 * A record counts once in its job (per record, as BC counts): one whose only write was the
 * write-back was counted unchanged and is modified after all; one whose write-back was refused is
 * failed (failRecord counted it), not also modified or unchanged. The job's message says how many
 * records were written back (run-mapping.ts), and the write history has each write.
 */
function recount(
  job: PassJob,
  kind: RecordPlan<SideRecord, SideRecord>['action']['kind'],
  written: boolean,
) {
  const counted = kind === 'update' ? 'modified' : kind === 'unchanged' ? 'unchanged' : undefined;
  if (!counted) return;
  if (!written) job.counters[counted]--;
  else if (counted === 'unchanged') {
    job.counters.unchanged--;
    job.counters.modified++;
  }
}

/** The records of a pass (by source id) that this job synchronized, with their couplings. */
async function syncedThisJob(job: PassJob, sourceIds: string[]): Promise<Map<string, string>> {
  const [idColumn, jobColumn, resultColumn] =
    job.pass === 'ToIntegrationTable'
      ? ['erp_id', 'last_job_to_crm', 'last_result_to_crm']
      : ['crm_id', 'last_job_to_erp', 'last_result_to_erp'];
  const r = await job.ctx.db.query<{ id: string; source_id: string }>(
    `SELECT id, ${idColumn} AS source_id FROM integration.couplings
     WHERE mapping_name = $1 AND ${idColumn} = ANY($2::uuid[]) AND ${jobColumn} = $3 AND ${resultColumn} = 'Success'`,
    [job.m.name, sourceIds, job.jobId],
  );
  return new Map(r.rows.map((row) => [row.source_id, row.id]));
}

/**
 * Writes the fields only the destination side changed back to the source side (the pass's source
 * is the other pass's destination, which would otherwise never see them: after this pass the
 * record is in step). A refused write fails the record like any other.
 */
async function writeBack(
  job: PassJob,
  coupling: Coupling,
  values: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
): Promise<boolean> {
  const { ctx, m, jobId } = job;
  const ids = { erpId: coupling.erpId, crmId: coupling.crmId };
  const before = valuesOf(current, Object.keys(values));
  if (job.pass === 'ToIntegrationTable') {
    const updated = await ctx.erp.update(m.erpTable, coupling.erpId, { ...values });
    if (!updated.ok) {
      await failRecord(
        job,
        ids,
        coupling,
        syncFailure(
          'erp_write_refused',
          `Modifying ${m.erpTable} failed because of the following error: ${updated.error.message}`,
        ),
      );
      return false;
    }
    await markSynced(ctx.db, coupling.id, 'FromIntegrationTable', jobId, {
      erpSeq: updated.value.changeSeq,
      crmVersion: null,
    });
    await recordWrite(ctx.db, {
      jobId,
      mappingName: m.name,
      side: 'erp',
      recordId: coupling.erpId,
      action: 'modify',
      before,
      after: values,
    });
    return true;
  }
  const written = await ctx.crm.write([
    { kind: 'update', entity: m.crmEntity, id: coupling.crmId, values: { ...values } },
  ]);
  const result = written.ok ? written.value[0] : undefined;
  if (!result?.ok) {
    const message = written.ok ? (result?.message ?? 'no answer') : written.error.message;
    await failRecord(
      job,
      ids,
      coupling,
      syncFailure(
        'crm_write_refused',
        `Modifying ${m.crmEntity} failed because of the following error: ${message}`,
      ),
    );
    return false;
  }
  await markSynced(ctx.db, coupling.id, 'ToIntegrationTable', jobId, {
    erpSeq: null,
    crmVersion: result.version,
  });
  await recordWrite(ctx.db, {
    jobId,
    mappingName: m.name,
    side: 'crm',
    recordId: coupling.crmId,
    action: 'modify',
    before,
    after: values,
  });
  return true;
}

/** CRM users' names by id, for the inbox's "changed by" (the id itself when it cannot be read). */
async function userNames(
  job: PassJob,
  ids: readonly (string | null)[],
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  if (wanted.length === 0) return new Map();
  const users = await job.ctx.crm.get('systemuser', wanted);
  if (!users.ok) return new Map();
  return new Map(
    [...users.value].map(([id, u]) => [id, String(u.values.fullname ?? u.values.domainname ?? id)]),
  );
}

const timestamp = (v: unknown): string | null => {
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null;
};
