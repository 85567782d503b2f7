import type { Db, Queryable } from '../db/db.ts';
import type { PgBoss } from '../db/job-queue.ts';
import { lockEachName } from '../db/xact-locks.ts';
import { readChanges } from '../erp/public-api.ts';
import type { Clock } from '../shared/clock.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';

/**
 * Recurring jobs beside the plain mapping runs (table `integration.recurring_jobs`): Business
 * Central's codeunit jobs such as CUSTOMER STATISTICS, and mapping jobs a flow runs itself. A job
 * that found nothing to do sleeps for its inactivity timeout instead of its interval; a change in
 * one of its ERP entity sets wakes it at the next scheduler tick.
 */
export interface RecurringJob {
  readonly name: string;
  readonly description: string;
  readonly queue: string;
  /** Set when the job is a mapping's job: its settings are then the mapping's. */
  readonly mappingName: string | null;
  readonly enabled: boolean;
  readonly intervalMinutes: number;
  readonly inactivityTimeoutMinutes: number;
  readonly wakeSets: readonly string[];
  readonly wakeSeq: number;
  readonly lastRunAt: Date | null;
  readonly lastStatus: 'succeeded' | 'failed' | 'nothing to do' | null;
  readonly lastMessage: string | null;
  readonly lastError: string | null;
  readonly nextRunAt: Date | null;
  readonly state: Readonly<Record<string, unknown>>;
}

interface Row {
  name: string;
  description: string;
  queue: string;
  mapping_name: string | null;
  enabled: boolean;
  interval_minutes: number;
  inactivity_timeout_minutes: number;
  wake_sets: string[];
  wake_seq: string;
  last_run_at: Date | null;
  last_status: RecurringJob['lastStatus'];
  last_message: string | null;
  last_error: string | null;
  next_run_at: Date | null;
  state: Record<string, unknown>;
}

// A mapping's job takes its switches from the mapping, so there is one place to change them.
const SELECT = `SELECT j.name, j.description, j.queue, j.mapping_name,
    coalesce(m.job_enabled, j.enabled) AS enabled,
    coalesce(m.job_interval_minutes, j.interval_minutes) AS interval_minutes,
    coalesce(m.inactivity_timeout_minutes, j.inactivity_timeout_minutes) AS inactivity_timeout_minutes,
    j.wake_sets, j.wake_seq, j.last_run_at, j.last_status, j.last_message, j.last_error, j.next_run_at, j.state
  FROM integration.recurring_jobs j
  LEFT JOIN integration.table_mappings m ON m.name = j.mapping_name`;

const toJob = (r: Row): RecurringJob => ({
  name: r.name,
  description: r.description,
  queue: r.queue,
  mappingName: r.mapping_name,
  enabled: r.enabled,
  intervalMinutes: r.interval_minutes,
  inactivityTimeoutMinutes: r.inactivity_timeout_minutes,
  wakeSets: r.wake_sets,
  wakeSeq: Number(r.wake_seq),
  lastRunAt: r.last_run_at,
  lastStatus: r.last_status,
  lastMessage: r.last_message,
  lastError: r.last_error,
  nextRunAt: r.next_run_at,
  state: r.state,
});

export async function listRecurringJobs(db: Queryable): Promise<RecurringJob[]> {
  const r = await db.query<Row>(`${SELECT} ORDER BY j.name`);
  return r.rows.map(toJob);
}

export async function getRecurringJob(
  db: Queryable,
  name: string,
): Promise<RecurringJob | undefined> {
  const r = await db.query<Row>(`${SELECT} WHERE j.name = $1`, [name]);
  return r.rows[0] ? toJob(r.rows[0]) : undefined;
}

/** Names of mappings whose job a flow runs (the engine's scheduler leaves them alone). */
export async function flowRunMappings(db: Queryable): Promise<Set<string>> {
  const r = await db.query<{ mapping_name: string }>(
    'SELECT mapping_name FROM integration.recurring_jobs WHERE mapping_name IS NOT NULL',
  );
  return new Set(r.rows.map((x) => x.mapping_name));
}

export interface JobSettings {
  readonly enabled?: boolean;
  readonly intervalMinutes?: number;
  readonly inactivityTimeoutMinutes?: number;
}

/**
 * Changes a job's switches (a mapping's job: on the mapping). Turning a job on or changing its
 * interval schedules it from now.
 */
export async function updateRecurringJob(
  db: Queryable,
  name: string,
  s: JobSettings,
): Promise<Result<RecurringJob>> {
  const job = await getRecurringJob(db, name);
  if (!job) return failure('not_found', `No scheduled job named '${name}'`);
  if (job.mappingName) {
    await db.query(
      `UPDATE integration.table_mappings SET job_enabled = coalesce($2, job_enabled),
         job_interval_minutes = coalesce($3, job_interval_minutes),
         inactivity_timeout_minutes = coalesce($4, inactivity_timeout_minutes), updated_at = now()
       WHERE name = $1`,
      [
        job.mappingName,
        s.enabled ?? null,
        s.intervalMinutes ?? null,
        s.inactivityTimeoutMinutes ?? null,
      ],
    );
  }
  await db.query(
    `UPDATE integration.recurring_jobs SET enabled = coalesce($2, enabled),
       interval_minutes = coalesce($3, interval_minutes),
       inactivity_timeout_minutes = coalesce($4, inactivity_timeout_minutes),
       next_run_at = CASE WHEN $2::boolean IS NOT NULL OR $3::integer IS NOT NULL THEN NULL ELSE next_run_at END,
       updated_at = now()
     WHERE name = $1`,
    [name, s.enabled ?? null, s.intervalMinutes ?? null, s.inactivityTimeoutMinutes ?? null],
  );
  return ok((await getRecurringJob(db, name))!);
}

export interface RunOutcome {
  /** False when the run found nothing to do: the job then sleeps for its inactivity timeout. */
  readonly didWork: boolean;
  readonly message: string;
  readonly error?: string;
  /** The ERP change sequence the run has seen (changes after it wake the job). */
  readonly seenSeq?: number;
  readonly state?: Readonly<Record<string, unknown>>;
}

/** Records a run's outcome and when the job runs next. */
export async function recordJobRun(
  db: Queryable,
  clock: Clock,
  name: string,
  outcome: RunOutcome,
): Promise<void> {
  const job = await getRecurringJob(db, name);
  if (!job) return;
  const now = clock.now();
  const minutes = outcome.error
    ? job.intervalMinutes
    : outcome.didWork
      ? job.intervalMinutes
      : Math.max(job.inactivityTimeoutMinutes, job.intervalMinutes);
  await db.query(
    `UPDATE integration.recurring_jobs SET last_run_at = $2, last_status = $3, last_message = $4,
       last_error = $5, next_run_at = $6, wake_seq = greatest(wake_seq, coalesce($7, wake_seq)),
       state = CASE WHEN $8::jsonb IS NULL THEN state ELSE state || $8::jsonb END, updated_at = now()
     WHERE name = $1`,
    [
      name,
      now,
      outcome.error ? 'failed' : outcome.didWork ? 'succeeded' : 'nothing to do',
      outcome.message,
      outcome.error ?? null,
      new Date(now.getTime() + minutes * 60_000),
      outcome.seenSeq ?? null,
      outcome.state ? JSON.stringify(outcome.state) : null,
    ],
  );
}

/** The advisory lock a recurring job's run holds (src/flows/outbound-jobs.ts), keyed by its name. */
export const RECURRING_JOB_LOCK = "hashtext('kobling.flow:' || $1)";

/**
 * Whether a run of the recurring job holds its lock right now (checked by taking and releasing it
 * on a connection of its own). Its jobs in `sync_jobs` (CUSTOMER STATISTICS, POSTEDSALESINV-INV)
 * are under this lock, not their mapping's: a free mapping lock does not make them dead.
 */
export async function recurringJobRunning(db: Db, name: string): Promise<boolean> {
  return db.hold(`check of recurring job ${name}`, async (client) => {
    const r = await client.query<{ got: boolean }>(
      `SELECT pg_try_advisory_lock(${RECURRING_JOB_LOCK}) AS got`,
      [name],
    );
    if (r.rows[0]?.got !== true) return true;
    await client.query(`SELECT pg_advisory_unlock(${RECURRING_JOB_LOCK})`, [name]);
    return false;
  });
}

/**
 * Takes every recurring job's lock for the rest of the transaction `tx`, waiting up to `waitMs`
 * for each (a move to another organization: no run may record a cursor of the old one after it).
 * Returns the job that stayed busy; the transaction is aborted then, and the caller ends it.
 */
export async function lockEveryRecurringJob(
  tx: Queryable,
  waitMs: number,
): Promise<{ busy?: string }> {
  const names = await tx.query<{ name: string }>(
    'SELECT name FROM integration.recurring_jobs ORDER BY name',
  );
  return lockEachName(
    tx,
    names.rows.map((r) => r.name),
    RECURRING_JOB_LOCK,
    waitMs,
  );
}

/** Queues a job now (at most one waiting per job). */
export async function queueRecurringJob(
  boss: PgBoss,
  job: Pick<RecurringJob, 'name' | 'queue'>,
  trigger: string,
): Promise<string | null> {
  return boss.send(
    job.queue,
    { job: job.name, trigger },
    { singletonKey: job.name, retryLimit: 1, retryDelay: 30 },
  );
}

/**
 * The change sequence of a change in one of the ERP entity sets the job watches, made after what
 * the job has seen; 0 when there is none.
 */
async function wakingChange(db: Queryable, job: RecurringJob): Promise<number> {
  let found = 0;
  for (const set of job.wakeSets) {
    const page = await readChanges(db, set, job.wakeSeq, { limit: 1 });
    if (!page.ok) continue;
    for (const r of page.value.records) found = Math.max(found, r.changeSeq);
    for (const d of page.value.deleted) found = Math.max(found, d.changeSeq);
  }
  return found;
}

/**
 * Every scheduler tick: queues each enabled job that is due, or that sleeps after a run with
 * nothing to do and has been woken by a change. Nothing runs while the connection is off.
 */
export async function scheduleDueJobs(
  db: Queryable,
  clock: Clock,
  boss: PgBoss,
): Promise<string[]> {
  const c = await readConnection(db);
  if (!c.enabled) return [];
  const now = clock.now();
  const queued: string[] = [];
  for (const job of await listRecurringJobs(db)) {
    if (!job.enabled) continue;
    const due = !job.nextRunAt || job.nextRunAt.getTime() <= now.getTime();
    const change = !due && job.lastStatus === 'nothing to do' ? await wakingChange(db, job) : 0;
    if (!due && change === 0) continue;
    await queueRecurringJob(boss, job, change ? 'change' : 'schedule');
    // Until the run records its outcome, neither the schedule nor the same change queues it again.
    await db.query(
      `UPDATE integration.recurring_jobs SET next_run_at = $2, wake_seq = greatest(wake_seq, $3)
        WHERE name = $1`,
      [job.name, new Date(now.getTime() + job.intervalMinutes * 60_000), change],
    );
    queued.push(job.name);
  }
  return queued;
}
