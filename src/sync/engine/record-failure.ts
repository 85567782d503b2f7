import { markFailed } from '../couplings/coupling-repo.ts';
import type { SyncFailure } from '../errors.ts';
import type { Coupling, JobCounters, PassDirection, TableMapping } from '../model.ts';
import type { EngineContext } from './context.ts';
import { logRecordError } from './job-log.ts';

/** The job a pass runs as: where its failures are logged and counted. */
export interface PassJob {
  readonly ctx: EngineContext;
  readonly m: TableMapping;
  readonly pass: PassDirection;
  readonly jobId: string;
  readonly counters: JobCounters;
}

/**
 * Fails one record of a pass: counts it, logs it with both identities, and marks its coupling
 * failed in the pass's direction (so the retry set brings it back). `ids` names the record on
 * either side as far as it is known.
 */
export async function failRecord(
  job: PassJob,
  ids: { readonly erpId: string | null; readonly crmId: string | null },
  coupling: Coupling | undefined,
  failure: SyncFailure,
): Promise<void> {
  const { ctx, m, pass, jobId } = job;
  const { message } = failure;
  job.counters.failed++;
  await logRecordError(ctx.db, jobId, m.name, pass, {
    erpTable: m.erpTable,
    erpId: ids.erpId,
    crmEntity: m.crmEntity,
    crmId: ids.crmId,
    message,
  });
  if (coupling) await markFailed(ctx.db, coupling.id, pass, jobId, message);
}
