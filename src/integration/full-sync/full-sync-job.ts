import type { JobDefinition, PgBoss } from '../../db/job-queue.ts';
import { getMapping } from '../../sync/mappings/mapping-repo.ts';
import { COUNTER_NAMES } from '../../sync/model.ts';
import { matchBasedCoupling } from '../../sync/service/match-based-coupling.ts';
import { LOCK_WAIT, withMappingLock } from '../mapping-lock.ts';
import { runMappingJob } from '../sync-jobs.ts';
import { openEngine, type SyncDeps } from '../sync-runtime.ts';
import { heartbeat, saveOutcome, saveProgress, transition } from './full-sync-lines.ts';
import { advance, FULL_SYNC_QUEUE } from './full-sync-service.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one review line on a worker: a *Couple Records* line first couples by the mapping's match
 * fields (so records on both sides are not duplicated), then every line synchronizes every record
 * in the mapping's filters, coupled or not, under the mapping's lock. The first start clears the
 * mapping's watermarks; a line handed out again after its worker stopped continues from where
 * the run left them (couplings make every record go across exactly once). When it ends, the
 * children whose parents are now all done are started.
 */
export async function runFullSyncLine(
  deps: SyncDeps,
  boss: PgBoss,
  mapping: string,
): Promise<void> {
  const before = await transition(deps.db, mapping, 'Running');
  if (!before) return; // another worker runs it, or it was restarted meanwhile
  const beat = setInterval(() => {
    heartbeat(deps.db, mapping).catch((err) =>
      deps.logger.warn({ err, mapping }, 'heartbeat failed'),
    );
  }, 10_000);
  try {
    if (!before.startedAt)
      await deps.db.query(
        'UPDATE integration.table_mappings SET erp_watermark = NULL, crm_watermark = NULL WHERE name = $1',
        [mapping],
      );
    const m = await getMapping(deps.db, mapping);
    if (!m) throw new Error(`The mapping ${mapping} no longer exists`);
    if (before.recommendation === 'CoupleRecords' && !before.startedAt) {
      const engine = await openEngine(deps);
      if (!engine.ok) throw new Error(engine.error.message);
      // Under the mapping's lock, like every writer of its couplings.
      const coupled = await withMappingLock(
        deps.db,
        mapping,
        () => matchBasedCoupling(engine.value, m),
        { waitMs: LOCK_WAIT.background },
      );
      if (!coupled.ok) throw new Error(coupled.error.message);
    }
    let lastSaved = 0;
    let r = await runLocked();
    async function runLocked() {
      return runMappingJob(
        deps,
        { mapping, trigger: 'fullSynchronization', full: true },
        {
          onProgress: (counters, done, total) => {
            if (Date.now() - lastSaved < 1000) return;
            lastSaved = Date.now();
            saveProgress(deps.db, mapping, { done, total, counters: { ...counters } }).catch(
              (err) => deps.logger.warn({ err, mapping }, 'progress not saved'),
            );
          },
        },
      );
    }
    // A scheduled or real-time run holds the mapping: wait for it, then take the mapping over.
    while (r.busy) {
      await sleep(1000);
      await heartbeat(deps.db, mapping);
      r = await runLocked();
    }
    if (!r.ran) throw new Error(r.reason ?? 'not run');
    const reports = r.reports ?? [];
    const counters = Object.fromEntries(
      COUNTER_NAMES.map((c) => [c, reports.reduce((n, p) => n + p.counters[c], 0)]),
    );
    await saveOutcome(
      deps.db,
      mapping,
      reports.map((p) => p.jobId),
      counters,
    );
    const failed = reports.find((p) => p.status === 'failed');
    const failedRecords = counters.failed ?? 0;
    const summary =
      Object.entries(counters)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'nothing to do';
    // Like BC's review: a pass with failed records is an error, and children wait for a fix.
    if (failed)
      await transition(deps.db, mapping, 'Failed', `${failed.direction}: ${failed.message}`);
    else if (failedRecords > 0)
      await transition(
        deps.db,
        mapping,
        'Failed',
        `${failedRecords} record(s) failed (${summary}); see the errors of its jobs`,
      );
    else await transition(deps.db, mapping, 'Finished', summary);
  } catch (err) {
    deps.logger.error({ err, mapping }, 'full synchronization line failed');
    await transition(deps.db, mapping, 'Failed', (err as Error).message);
  } finally {
    clearInterval(beat);
  }
  await advance(deps, boss);
}

/** The workers' handler of full synchronization lines. */
export function fullSyncJob(deps: SyncDeps, boss: PgBoss | undefined): JobDefinition {
  return {
    queue: FULL_SYNC_QUEUE,
    policy: 'standard',
    retryLimit: 2,
    retryDelaySeconds: 30,
    expireInSeconds: 4 * 60 * 60,
    handler: async (data) => {
      if (boss) await runFullSyncLine(deps, boss, (data as { mapping: string }).mapping);
    },
  };
}
