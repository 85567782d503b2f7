import pg from 'pg';
import { type Db, dropBrokenIdleClient } from '../db/db.ts';
import type { JobDefinition, PgBoss } from '../db/job-queue.ts';
import { withSessionLock } from '../db/session-lock.ts';
import type { Logger } from '../shared/logger.ts';

// A 64-bit advisory lock key per job id (a 32-bit hash could make two running jobs share one).
const KEY = "('x' || substr(md5('kobling.job:' || $1), 1, 16))::bit(64)::bigint";

/** An active job older than this without its sign of life is dead. */
const DEAD_AFTER_SECONDS = 15;

/** The queues whose handlers hold a sign of life (filled as their job definitions are built). */
const watchedQueues = new Set<string>();

/**
 * A job definition whose handler holds its sign of life while it runs: a session advisory lock
 * keyed on the pg-boss job id, on a connection of its own pool. PostgreSQL drops it with a killed
 * worker's connection, so an 'active' job whose lock is free has no live worker any more — where
 * pg-boss alone keeps it active until it expires (an hour), and a singleton or stately queue
 * starts nothing else meanwhile. `recoverDeadJobs` finds such jobs.
 */
export function withSignOfLife<T extends object>(db: Db, def: JobDefinition<T>): JobDefinition<T> {
  watchedQueues.add(def.queue);
  return { ...def, handler: (data, job) => whileAlive(db, job.id, () => def.handler(data, job)) };
}

async function whileAlive<T>(db: Db, jobId: string, fn: () => Promise<T>): Promise<T> {
  const r = await withSessionLock(
    db,
    {
      holder: `sign of life of job ${jobId}`,
      key: KEY,
      id: jobId,
      wait: true,
      pool: livenessPool(db),
    },
    fn,
  );
  // Waiting for the lock, the answer is never "taken".
  if (!r) throw new Error(`The sign of life of job ${jobId} was not taken`);
  return r.value;
}

/** Whether a worker holds the job's sign of life right now (checked by taking and releasing it). */
async function isAlive(db: Db, jobId: string): Promise<boolean> {
  return db.hold(
    `check of job ${jobId}`,
    async (client) => {
      const r = await client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${KEY}) AS got`, [
        jobId,
      ]);
      if (r.rows[0]?.got !== true) return true;
      await client.query(`SELECT pg_advisory_unlock(${KEY})`, [jobId]);
      return false;
    },
    livenessPool(db),
  );
}

// Signs of life have a pool of their own: a job holding one may wait for its mapping's lock
// (mapping-lock.ts), and sharing that pool could let the holders take every connection. Sized for
// every watched job a worker process runs at once (a job waiting here has no sign of life yet).
const pools = new WeakMap<Db, pg.Pool>();
function livenessPool(db: Db): pg.Pool {
  let pool = pools.get(db);
  if (!pool) {
    pool = new pg.Pool({
      connectionString: db.url,
      max: 64,
      idleTimeoutMillis: 1000,
      allowExitOnIdle: true,
      application_name: 'kobling-job-liveness',
    });
    pool.on('error', dropBrokenIdleClient);
    pools.set(db, pool);
  }
  return pool;
}

/**
 * Finds the jobs of the watched queues whose worker died (killed, crashed machine) and fails them:
 * pg-boss tries them again after their retry delay (or the next schedule starts a new one) instead
 * of leaving them 'active' for an hour. Runs every minute with the scheduler; returns the job ids.
 */
export async function recoverDeadJobs(
  deps: { db: Db; logger: Logger },
  boss: PgBoss,
): Promise<string[]> {
  if (watchedQueues.size === 0) return [];
  const active = await deps.db.query<{ id: string; name: string }>(
    `SELECT id, name FROM pgboss.job
      WHERE name = ANY($1::text[]) AND state = 'active' AND started_on < now() - $2 * interval '1 second'`,
    [[...watchedQueues], DEAD_AFTER_SECONDS],
  );
  const dead: string[] = [];
  for (const job of active.rows) {
    if (await isAlive(deps.db, job.id)) continue;
    await boss.fail(job.name, job.id, {
      message: 'The worker running this job stopped before it finished',
    });
    dead.push(job.id);
  }
  if (dead.length > 0) deps.logger.warn({ jobs: dead }, 'dead background jobs failed');
  return dead;
}
