import type { Queryable } from '../db/db.ts';
import type { AppFailure } from '../shared/result.ts';
import { nameNotFound } from '../sync/mappings/mapping-name.ts';
import { ITEM_AVAILABILITY_TRIGGER } from './item-availability.ts';
import {
  getRecurringJob,
  type JobSettings,
  listRecurringJobs,
  updateRecurringJob,
} from './recurring-jobs.ts';

/**
 * One recurring job as the connection setup shows it: a mapping's synchronization job, or another
 * recurring job (CUSTOMER STATISTICS, a mapping job a flow runs) from `integration.recurring_jobs`.
 */
export interface ScheduledJob {
  /** The mapping's name, or the job's name when it is not a mapping's job. */
  readonly mapping: string;
  readonly kind: 'mapping' | 'job';
  readonly description: string;
  readonly enabled: boolean;
  readonly intervalMinutes: number;
  /** The longest the job sleeps after a run that found nothing to do. */
  readonly inactivityTimeoutMinutes: number;
  readonly lastRunAt: Date | null;
  /**
   * When the scheduler (every minute) will queue it next: a mapping's job one interval after its
   * last run, or after the integration was enabled when it never ran; null when it is off or the
   * integration is not enabled.
   */
  readonly nextRunAt: Date | null;
  readonly lastStatus: string | null;
  readonly lastMessage: string | null;
  /** The message of the last run when it failed. */
  readonly lastError: string | null;
}

interface MappingJobRow {
  name: string;
  job_enabled: boolean;
  job_interval_minutes: number;
  inactivity_timeout_minutes: number;
  direction: string;
  started_at: Date | null;
  status: string | null;
  message: string | null;
  connection_enabled: boolean | null;
  counts_from: Date | null;
}

const ARROW: Record<string, string> = {
  Bidirectional: '<->',
  ToIntegrationTable: '->',
  FromIntegrationTable: '<-',
};

/**
 * Every recurring job: each mapping's job (next run = last run, or the enabling, + interval), then the jobs of
 * `integration.recurring_jobs` with their own next run (which an inactivity timeout may push back).
 */
export async function listScheduledJobs(db: Queryable, now: Date): Promise<ScheduledJob[]> {
  const recurring = await listRecurringJobs(db);
  const runByFlows = new Set(recurring.map((j) => j.mappingName).filter(Boolean));
  // The scheduler (src/integration/sync-jobs.ts scheduleDueMappings) counts from the last run
  // that was not an item availability update, or from when the integration was enabled.
  const mappings = await db.query<MappingJobRow>(
    `SELECT m.name, m.job_enabled, m.job_interval_minutes, m.inactivity_timeout_minutes, m.direction,
            j.started_at, j.status, j.message, c.enabled AS connection_enabled,
            coalesce((SELECT max(s.started_at) FROM integration.sync_jobs s
                       WHERE s.mapping_name = m.name AND s.trigger <> $1), c.enabled_at) AS counts_from
       FROM integration.table_mappings m
       LEFT JOIN integration.connection c ON c.id = 1
       LEFT JOIN LATERAL (SELECT started_at, status, message FROM integration.sync_jobs s
                           WHERE s.mapping_name = m.name ORDER BY started_at DESC LIMIT 1) j ON true
      ORDER BY m.position, m.name`,
    [ITEM_AVAILABILITY_TRIGGER],
  );
  const out: ScheduledJob[] = [];
  for (const m of mappings.rows) {
    if (runByFlows.has(m.name)) continue;
    const lastRunAt = m.started_at ? new Date(m.started_at) : null;
    const due = m.counts_from
      ? new Date(new Date(m.counts_from).getTime() + m.job_interval_minutes * 60_000)
      : now;
    out.push({
      mapping: m.name,
      kind: 'mapping',
      description: `${m.name} ${ARROW[m.direction] ?? '-'} Dynamics 365 Sales synchronization job`,
      enabled: m.job_enabled,
      intervalMinutes: m.job_interval_minutes,
      inactivityTimeoutMinutes: m.inactivity_timeout_minutes,
      lastRunAt,
      // Nothing is scheduled while the integration is not enabled.
      nextRunAt: m.job_enabled && m.connection_enabled ? (due < now ? now : due) : null,
      lastStatus: m.status,
      lastMessage: m.message,
      lastError: m.status === 'failed' || m.status === 'crashed' ? m.message : null,
    });
  }
  for (const j of recurring) {
    out.push({
      mapping: j.name,
      kind: j.mappingName ? 'mapping' : 'job',
      description: j.description,
      enabled: j.enabled,
      intervalMinutes: j.intervalMinutes,
      inactivityTimeoutMinutes: j.inactivityTimeoutMinutes,
      lastRunAt: j.lastRunAt,
      nextRunAt: j.enabled ? (j.nextRunAt && j.nextRunAt > now ? j.nextRunAt : now) : null,
      lastStatus: j.lastStatus,
      lastMessage: j.lastMessage,
      lastError: j.lastError,
    });
  }
  return out;
}

/**
 * Changes a recurring job's switches: a recurring job's own (or its mapping's), or a mapping job's
 * on the mapping. Undefined when there is no job of that name.
 */
export async function updateJobSchedule(
  db: Queryable,
  name: string,
  s: JobSettings,
  now: Date,
): Promise<ScheduledJob | undefined> {
  if (await getRecurringJob(db, name)) {
    await updateRecurringJob(db, name, s);
  } else {
    const r = await db.query(
      `UPDATE integration.table_mappings SET job_enabled = coalesce($2, job_enabled),
         job_interval_minutes = coalesce($3, job_interval_minutes),
         inactivity_timeout_minutes = coalesce($4, inactivity_timeout_minutes), updated_at = now()
       WHERE name = $1`,
      [name, s.enabled ?? null, s.intervalMinutes ?? null, s.inactivityTimeoutMinutes ?? null],
    );
    if ((r.rowCount ?? 0) === 0) return undefined;
  }
  return (await listScheduledJobs(db, now)).find((j) => j.mapping === name);
}

/**
 * The not_found of a scheduled job name nothing has (names are stored as `mappingNameOf` gives
 * them), with the job meant when it is a typo away, else the jobs there are.
 */
export async function noSuchScheduledJob(
  db: Queryable,
  name: string,
  now: Date,
): Promise<AppFailure<'not_found'>> {
  const jobs = await listScheduledJobs(db, now);
  return nameNotFound(
    'scheduled job',
    name,
    jobs.map((j) => j.mapping),
  );
}
