import type { Db } from '../db/db.ts';
import type { JobDefinition, PgBoss } from '../db/job-queue.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import type { PassReport } from '../sync/engine/run-mapping.ts';
import { getMapping } from '../sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../sync/model.ts';
import { createInCrm, createInErp } from '../sync/service/create-in.ts';
import { matchBasedCoupling } from '../sync/service/match-based-coupling.ts';
import { synchronizeNow } from '../sync/service/synchronize-now.ts';
import { settleLine } from './full-sync/failed-records.ts';
import { withSignOfLife } from './job-liveness.ts';
import { LOCK_WAIT, withMappingLock } from './mapping-lock.ts';
import { openEngine, type SyncDeps } from './sync-runtime.ts';

export const SYNC_ADHOC_QUEUE = 'sync.adhoc';

/** Work a user asked for that runs in the background (like BC's one-shot job queue entries). */
export type AdhocWork =
  | {
      kind: 'synchronizeNow';
      mapping: string;
      erpIds: string[];
      direction: 'send' | 'get' | 'merge';
      confirmOverwrite: boolean;
    }
  | { kind: 'createInCrm'; mapping: string; erpIds: string[] }
  | { kind: 'createInErp'; mapping: string; crmIds: string[] }
  | { kind: 'matchBased'; mapping: string; erpIds?: string[] };

/**
 * Does one piece of ad-hoc work with an open engine (in a request, or in a background job), under
 * the mapping's lock like every writer of its couplings: it waits `waitMs` for a running
 * synchronization of the mapping, then answers mapping_busy.
 */
export async function performAdhoc(
  db: Db,
  engine: EngineContext,
  m: TableMapping,
  work: AdhocWork,
  waitMs: number = LOCK_WAIT.request,
): Promise<Result<unknown>> {
  const r = await withMappingLock(
    db,
    m.name,
    async () => {
      const done = await performUnlocked(engine, m, work);
      // It may have settled the last open record of the mapping's full synchronization line.
      await settleLine(db, m.name, engine.logger);
      return done;
    },
    { waitMs },
  );
  return r.ok ? r.value : r;
}

async function performUnlocked(
  engine: EngineContext,
  m: TableMapping,
  work: AdhocWork,
): Promise<Result<unknown>> {
  switch (work.kind) {
    case 'synchronizeNow':
      return synchronizeNow(engine, m, work.erpIds, work.direction, work.confirmOverwrite);
    case 'createInCrm':
      return ok(await createInCrm(engine, m, work.erpIds));
    case 'createInErp':
      return ok(await createInErp(engine, m, work.crmIds));
    case 'matchBased':
      if (!m.fields.some((f) => f.useForMatching)) {
        return failure(
          'mapping_invalid',
          `Specify which fields of mapping ${m.name} are used for match-based coupling`,
        );
      }
      return ok(await matchBasedCoupling(engine, m, work.erpIds));
  }
}

/** Runs ad-hoc work as a job: what it returns becomes the pg-boss job's output. */
export async function runAdhoc(deps: SyncDeps, work: AdhocWork): Promise<unknown> {
  const engine = await openEngine(deps);
  if (!engine.ok) throw new Error(engine.error.message);
  const m = await getMapping(deps.db, work.mapping);
  if (!m) throw new Error(`No mapping named '${work.mapping}'`);
  const r = await performAdhoc(deps.db, engine.value, m, work, LOCK_WAIT.background);
  if (!r.ok) throw new Error(r.error.message);
  // The background job's outcome is its synchronization jobs': when one failed as a whole, the
  // work failed (pg-boss records it and tries again), whatever the records say.
  const failedJob = (r.value as { jobs?: readonly PassReport[] }).jobs?.find(
    (j) => j.status === 'failed',
  );
  if (failedJob) throw new Error(`The synchronization job failed: ${failedJob.message ?? ''}`);
  return r.value;
}

/** Queues ad-hoc work; returns the job id to follow it with GET /backgroundJobs/{id}. */
export async function queueAdhoc(boss: PgBoss, work: AdhocWork): Promise<string | null> {
  return boss.send(SYNC_ADHOC_QUEUE, work, { retryLimit: 2, retryDelay: 30 });
}

/** The ad-hoc queue's definition: at most two attempts, 30 s apart, as BC's ad-hoc entries. */
export function adhocJob(deps: SyncDeps): JobDefinition {
  // A killed worker's job is found by its sign of life and tried again: its work is safe to
  // repeat (creates are exactly once, coupled records are left as they are).
  return withSignOfLife(deps.db, {
    queue: SYNC_ADHOC_QUEUE,
    retryLimit: 2,
    retryDelaySeconds: 30,
    expireInSeconds: 60 * 60,
    handler: (data) => runAdhoc(deps, data as AdhocWork),
  });
}
