import type { Queryable } from '../../db/db.ts';
import { plural } from '../../shared/plural.ts';
import { dueConflicts, transitionConflict } from '../conflicts/conflict-repo.ts';
import { beginJob, finishJob, logRecordError } from '../engine/job-log.ts';
import { emptyCounters } from '../model.ts';

/** The message an aged-out entry leaves in the synchronization log. */
export const agedOutMessage = (e: { erpField: string; crmField: string; mapping: string }) =>
  `The conflict between field ${e.erpField} and column ${e.crmField} (mapping ${e.mapping}) was not resolved in time: ` +
  'both values changed since the last synchronization; the record is skipped until you retry it';

/**
 * Ages out inbox entries left open longer than their mapping's `conflict_expiry_hours`: each
 * becomes an ordinary failed record, logged under a job of its own per mapping and skipped (so no
 * run lets one side win by default). Its coupling forgets its synchronized versions: a *Retry*
 * then sees both sides changed and asks again. Returns how many aged out.
 */
export async function ageOutConflicts(db: Queryable, now: Date, mapping?: string): Promise<number> {
  const due = (await dueConflicts(db, now)).filter((d) => !mapping || d.mapping === mapping);
  let aged = 0;
  for (const name of new Set(due.map((d) => d.mapping))) {
    const entries = due.filter((d) => d.mapping === name);
    const jobId = await beginJob(db, name, 'ToIntegrationTable', 'conflictAgeOut');
    const counters = emptyCounters();
    for (const e of entries) {
      if (!(await transitionConflict(db, e.id, 'aged_out', now))) continue;
      const message = agedOutMessage(e);
      await logRecordError(db, jobId, name, 'ToIntegrationTable', {
        erpTable: e.erpTable,
        erpId: e.erpId,
        crmEntity: e.crmEntity,
        crmId: e.crmId,
        message,
        detail: JSON.stringify({ erpValue: e.erpValue, crmValue: e.crmValue }),
      });
      await db.query(
        `UPDATE integration.couplings SET skipped = true, last_result_to_crm = 'Failure',
           last_error_to_crm = $2, last_job_to_crm = $3, last_synced_erp_seq = NULL,
           last_synced_crm_version = NULL, updated_at = now()
         WHERE id = $1`,
        [e.couplingId, message, jobId],
      );
      counters.failed++;
      aged++;
    }
    await finishJob(db, jobId, counters, {
      status: 'succeeded',
      message: `${plural(counters.failed, 'conflict')} aged out to failed records`,
    });
  }
  return aged;
}
