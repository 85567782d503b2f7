import type { JobDefinition, PgBoss } from '../db/job-queue.ts';
import { systemClock } from '../shared/clock.ts';
import type { AppFailure } from '../shared/result.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import { discardEmptyJobs } from '../sync/engine/job-log.ts';
import { type PassReport, runMapping } from '../sync/engine/run-mapping.ts';
import { getMapping, listMappings } from '../sync/mappings/mapping-repo.ts';
import type { PassDirection } from '../sync/model.ts';
import { adhocJob } from './adhoc-jobs.ts';
import { ageOutDue } from './conflict-service.ts';
import { dependentsToRetry } from './dependent-retries.ts';
import { settleLine } from './full-sync/failed-records.ts';
import { holdReason, mappingsInFullSync } from './full-sync/full-sync-lines.ts';
import { advance as advanceFullSync } from './full-sync/full-sync-service.ts';
import { ITEM_AVAILABILITY_TRIGGER, updateItemAvailability } from './item-availability.ts';
import { recoverDeadJobs } from './job-liveness.ts';
import { LOCK_WAIT, whileLockFree, withMappingLock } from './mapping-lock.ts';
import { flowRunMappings, recurringJobRunning, scheduleDueJobs } from './recurring-jobs.ts';
import { openEngine, type SyncDeps } from './sync-runtime.ts';

export const SYNC_MAPPING_QUEUE = 'sync.mapping';
export const SYNC_SCHEDULER_QUEUE = 'sync.scheduler';

export interface MappingJobData {
  readonly mapping: string;
  readonly trigger?: string;
  /** One direction only (real-time runs: the side that changed). */
  readonly only?: PassDirection;
  /** Every record in the mapping's filters, coupled or not (a full synchronization). */
  readonly full?: boolean;
}

/**
 * Runs one mapping while holding its lock (see mapping-lock.ts), so a mapping never runs twice at
 * once, whichever process picked the job up. Queued and real-time runs do not wait: a run that
 * finds the lock taken ends at once, the running one covers its changes. Others wait `waitMs`.
 * While the mapping's full synchronization is queued or running, the run is held (answered as
 * busy): run between a dead worker's line and its resumption, it would move the watermarks past
 * records the full synchronization has yet to create. After a move to another organization a
 * regular run is held too until the mapping's line has been started there (full-sync-lines.ts).
 */
export async function runMappingJob(
  deps: SyncDeps,
  data: MappingJobData,
  hooks: Pick<EngineContext, 'onProgress'> = {},
  options: { waitMs?: number } = {},
): Promise<MappingJobOutcome> {
  const done = await runUnderLock(deps, data, hooks, options.waitMs ?? LOCK_WAIT.none);
  // A full run is a full synchronization's line: the lines after it run in dependency order.
  if (done.ran && !data.full) await retryDependents(deps, data.mapping, done.reports ?? []);
  return done;
}

export interface MappingJobOutcome {
  readonly ran: boolean;
  readonly busy?: boolean;
  readonly reason?: string;
  /** Why the mapping's runs are held (its full synchronization line), when that kept it from running. */
  readonly held?: string;
  /** Why the run could not start, when the engine could not be opened (no connection …). */
  readonly failure?: AppFailure;
  readonly reports?: PassReport[];
}

/**
 * After a run coupled new records, the mappings whose failed records they may settle run once
 * more (dependent-retries.ts), with the lock released: e.g. the product of an item whose new base
 * unit ITEM UOM just created takes it as its default unit now, not at its next scheduled run.
 * Those runs may couple records in turn; each mapping runs once. A mapping being synchronized is
 * waited for (a request's wait), so its failure is retried after it. Runs that found nothing to do
 * leave no line in the synchronization log.
 */
async function retryDependents(
  deps: SyncDeps,
  mapping: string,
  reports: readonly PassReport[],
): Promise<void> {
  const seen = new Set([mapping]);
  const queue = [{ mapping, reports }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const d of await dependentsToRetry(deps.db, next.mapping, next.reports)) {
      if (seen.has(d.mapping)) continue;
      seen.add(d.mapping);
      const run = {
        mapping: d.mapping,
        trigger: 'dependency',
        ...(d.only ? { only: d.only } : {}),
      };
      const r = await runUnderLock(deps, run, {}, LOCK_WAIT.request);
      deps.logger.debug(
        { after: next.mapping, ...run, ran: r.ran, reason: r.reason },
        'dependent run',
      );
      if (!r.ran) continue;
      const ran = r.reports ?? [];
      await discardEmptyJobs(
        deps.db,
        ran.map((p) => p.jobId),
      );
      queue.push({ mapping: d.mapping, reports: ran });
    }
  }
}

async function runUnderLock(
  deps: SyncDeps,
  data: MappingJobData,
  hooks: Pick<EngineContext, 'onProgress'>,
  waitMs: number,
): Promise<MappingJobOutcome> {
  const r = await withMappingLock(
    deps.db,
    data.mapping,
    async (): Promise<MappingJobOutcome> => {
      const held = await holdReason(deps.db, data.mapping, { full: data.full === true });
      if (held) return { ran: false, busy: true, held, reason: `held: ${held}` };
      const engine = await openEngine(deps);
      if (!engine.ok) return { ran: false, reason: engine.error.message, failure: engine.error };
      const m = await getMapping(deps.db, data.mapping);
      if (!m) return { ran: false, reason: `no mapping ${data.mapping}` };
      const reports = await runMapping({ ...engine.value, ...hooks }, m, {
        trigger: data.trigger ?? 'schedule',
        ...(data.only ? { only: data.only } : {}),
        ...(data.full ? { ignoreOnlyCoupled: true } : {}),
      });
      // The run may have synchronized the last open record of the mapping's full
      // synchronization line that finished with failed records: the line reads Finished then.
      await settleLine(deps.db, data.mapping, deps.logger);
      return { ran: true, reports };
    },
    { waitMs },
  );
  return r.ok ? r.value : { ran: false, busy: true, reason: 'already running' };
}

/** A queued run older than this that does not hold its mapping's lock is dead. */
const DEAD_AFTER_SECONDS = 15;

/**
 * Finds runs whose process died and frees their mapping: pg-boss keeps a killed worker's job
 * 'active' until it expires (an hour), and with one active run per mapping nothing else would
 * start; `sync_jobs` rows would stay 'running'. A run is dead when its mapping's lock is free
 * (PostgreSQL released it with the dead connection) while its job is active or its row running.
 * Dead jobs are cancelled, their rows marked abandoned, and a new run is queued at once.
 * Runs every minute with the scheduler, and before a run is queued from the API.
 */
export async function recoverDeadRuns(
  deps: SyncDeps,
  boss: PgBoss,
  only?: string,
): Promise<string[]> {
  const suspects = await deps.db.query<{ mapping: string; job_ids: string[] | null }>(
    `SELECT mapping, array_agg(job_id) FILTER (WHERE job_id IS NOT NULL) AS job_ids FROM (
       SELECT data->>'mapping' AS mapping, id AS job_id FROM pgboss.job
        WHERE name = $1 AND state = 'active' AND started_on < now() - $2 * interval '1 second'
       UNION ALL
       SELECT mapping_name, NULL FROM integration.sync_jobs
        WHERE status = 'running' AND started_at < now() - $2 * interval '1 second'
     ) s WHERE $3::text IS NULL OR mapping = $3 GROUP BY mapping`,
    [SYNC_MAPPING_QUEUE, DEAD_AFTER_SECONDS, only ?? null],
  );
  const recovered: string[] = [];
  for (const { mapping, job_ids: jobIds } of suspects.rows) {
    // A live run of an outbound flow's job holds its job's lock, not the mapping's: its row is
    // not abandoned (it was shown so while it ran on); it is looked at again once that run ends.
    if (await recurringJobRunning(deps.db, mapping)) continue;
    const checked = await whileLockFree(deps.db, mapping, async () => {
      // Taking the lock marked the mapping's running rows abandoned; now the dead queued jobs.
      if (jobIds && jobIds.length > 0) await boss.cancel(SYNC_MAPPING_QUEUE, jobIds);
    });
    if (!checked.free) continue;
    recovered.push(mapping);
    // A run row left 'running' with no queued job behind it has no job ids to name.
    const jobs = jobIds && jobIds.length > 0 ? jobIds : undefined;
    deps.logger.warn({ mapping, ...(jobs ? { jobs } : {}) }, 'dead synchronization run abandoned');
    if (jobs) await queueMappingRun(boss, mapping, 'recovery');
  }
  return recovered;
}

/** Queues a run of a mapping (at most one waiting per mapping: pg-boss's stately policy). */
export async function queueMappingRun(
  boss: PgBoss,
  mapping: string,
  trigger = 'manual',
): Promise<string | null> {
  return boss.send(
    SYNC_MAPPING_QUEUE,
    { mapping, trigger },
    { singletonKey: mapping, retryLimit: 10, retryDelay: 30 },
  );
}

/**
 * Every minute: queues each enabled mapping whose interval has passed since its last run (the
 * reference's 30-minute default, editable per mapping). Nothing runs while the connection is off.
 */
export async function scheduleDueMappings(deps: SyncDeps, boss: PgBoss): Promise<string[]> {
  const c = await readConnection(deps.db);
  if (!c.enabled) return [];
  const last = await deps.db.query<{ mapping_name: string; started_at: Date }>(
    `SELECT mapping_name, max(started_at) AS started_at FROM integration.sync_jobs
      WHERE trigger <> $1 GROUP BY mapping_name`,
    [ITEM_AVAILABILITY_TRIGGER],
  );
  const lastRun = new Map(last.rows.map((r) => [r.mapping_name, new Date(r.started_at).getTime()]));
  // A mapping that never ran counts from the moment the integration was enabled: its first
  // scheduled run comes one interval later, after the user has coupled what it depends on.
  const anchor = await deps.db.query<{ enabled_at: Date | null }>(
    'SELECT enabled_at FROM integration.connection WHERE id = 1',
  );
  const enabledAt = anchor.rows[0]?.enabled_at
    ? new Date(anchor.rows[0].enabled_at).getTime()
    : undefined;
  const now = Date.now();
  const due: string[] = [];
  const runByFlows = await flowRunMappings(deps.db);
  const held = await mappingsInFullSync(deps.db);
  for (const m of await listMappings(deps.db)) {
    if (!m.jobEnabled || runByFlows.has(m.name) || held.has(m.name)) continue;
    const previous = lastRun.get(m.name) ?? enabledAt;
    if (previous !== undefined && now - previous < m.jobIntervalMinutes * 60_000) continue;
    await queueMappingRun(boss, m.name, 'schedule');
    due.push(m.name);
  }
  return due;
}

/**
 * The item availability job (when the connection's switch is on): every 30 minutes, counted like
 * a mapping's from the moment the integration was enabled.
 */
export async function updateItemAvailabilityWhenDue(deps: SyncDeps): Promise<boolean> {
  const r = await deps.db.query<{ due: boolean }>(
    `SELECT c.enabled AND c.item_availability
            AND coalesce((SELECT max(started_at) FROM integration.sync_jobs WHERE trigger = $1), c.enabled_at, now())
                <= now() - interval '30 minutes' AS due
       FROM integration.connection c WHERE c.id = 1`,
    [ITEM_AVAILABILITY_TRIGGER],
  );
  if (!r.rows[0]?.due) return false;
  if (!(await getMapping(deps.db, 'ITEM-PRODUCT'))) return false;
  const engine = await openEngine(deps);
  if (!engine.ok) return false;
  await updateItemAvailability(engine.value);
  return true;
}

/** The sync part's background jobs. */
export function syncJobs(deps: SyncDeps, boss: PgBoss | undefined): JobDefinition[] {
  return [
    adhocJob(deps),
    {
      queue: SYNC_MAPPING_QUEUE,
      policy: 'stately',
      retryLimit: 10,
      retryDelaySeconds: 30,
      expireInSeconds: 60 * 60,
      handler: async (data) => {
        const r = await runMappingJob(deps, data as MappingJobData);
        if (!r.ran)
          deps.logger.debug(
            { mapping: (data as MappingJobData).mapping, reason: r.reason },
            'mapping run skipped',
          );
      },
    },
    {
      queue: SYNC_SCHEDULER_QUEUE,
      policy: 'singleton',
      retryLimit: 0,
      // A scheduler job of a killed worker must not stop scheduling for long.
      expireInSeconds: 120,
      handler: async () => {
        if (!boss) return;
        await recoverDeadRuns(deps, boss);
        await recoverDeadJobs(deps, boss);
        await scheduleDueMappings(deps, boss);
        // Full synchronization lines whose worker stopped are handed out again.
        await advanceFullSync(deps, boss);
        await scheduleDueJobs(deps.db, deps.clock ?? systemClock, boss);
        await updateItemAvailabilityWhenDue(deps);
        // Conflict-inbox entries nobody resolved in time become failed records.
        await ageOutDue(deps);
      },
    },
  ];
}
