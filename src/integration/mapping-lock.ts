import pg from 'pg';
import { type Db, dropBrokenIdleClient, type Queryable } from '../db/db.ts';
import { withSessionLock } from '../db/session-lock.ts';
import { lockEachName } from '../db/xact-locks.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import './errors.ts';

// The same key every writer of a mapping's couplings takes: scheduled and queued runs, real-time
// runs, the CLI, run now, synchronize now, create in CRM/ERP, match-based and manual coupling.
const LOCK = "hashtext('kobling.sync:' || $1)";

/** How long a caller waits for a mapping that is being synchronized. */
export const LOCK_WAIT = {
  /** Queued and real-time runs: not at all (the running one covers their changes). */
  none: 0,
  /** Requests (API, UI): a short wait, then 409 mapping_busy. */
  request: 30_000,
  /** Background work and the CLI: long enough for a normal run to end. */
  background: 10 * 60_000,
} as const;

/**
 * Runs `fn` holding the mapping's session advisory lock on a dedicated connection, so that only
 * one process at a time writes the mapping's couplings. PostgreSQL releases the lock when the
 * holder's connection ends, so a killed process never keeps it. Whoever takes the lock first
 * marks the mapping's jobs still 'running' as abandoned: no live run can exist without the lock.
 * A run whose lock connection is cut takes the lock again at once (src/db/session-lock.ts).
 * When the lock stays taken for `waitMs`, the answer is `mapping_busy`.
 */
export async function withMappingLock<T>(
  db: Db,
  mapping: string,
  fn: () => Promise<T>,
  options: { waitMs: number; onWait?: () => void },
): Promise<Result<T>> {
  const pool = lockPool(db);
  const deadline = Date.now() + options.waitMs;
  let notified = false;
  for (;;) {
    const done = await withSessionLock(
      db,
      { holder: `mapping lock ${mapping}`, key: LOCK, id: mapping, pool },
      async () => {
        await abandonRunningJobs(db, mapping);
        return fn();
      },
    );
    if (done) return ok(done.value);
    if (Date.now() >= deadline) {
      return failure(
        'mapping_busy',
        `Mapping ${mapping} is being synchronized right now; try again when that run has finished`,
      );
    }
    if (!notified) options.onWait?.();
    notified = true;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// Lock holders keep their connection for the whole run while the run itself queries through the
// process's pool: taking lock connections from that same pool would let enough concurrent runs
// hold every connection and wait for one more forever. So locks have their own small pool.
const lockPools = new WeakMap<Db, pg.Pool>();
function lockPool(db: Db): pg.Pool {
  let pool = lockPools.get(db);
  if (!pool) {
    pool = new pg.Pool({
      connectionString: db.url,
      max: 32,
      idleTimeoutMillis: 1000,
      allowExitOnIdle: true,
      application_name: 'kobling-locks',
    });
    pool.on('error', dropBrokenIdleClient);
    lockPools.set(db, pool);
  }
  return pool;
}

/** Whether nobody holds the mapping's lock right now (checked by taking and releasing it). */
export async function whileLockFree<T>(
  db: Db,
  mapping: string,
  fn: () => Promise<T>,
): Promise<{ free: boolean; value?: T }> {
  const r = await withMappingLock(db, mapping, fn, { waitMs: 0 });
  return r.ok ? { free: true, value: r.value } : { free: false };
}

/**
 * Marks the mapping's jobs that are still 'running' as abandoned. Call only while holding the
 * mapping's lock: then none of them can be alive. Returns how many there were.
 */
export async function abandonRunningJobs(db: Queryable, mapping: string): Promise<number> {
  const r = await db.query(
    `UPDATE integration.sync_jobs SET status = 'abandoned', finished_at = now(),
       message = 'Abandoned: the process running it stopped before the job finished (the next run continues where it left off)'
     WHERE mapping_name = $1 AND status = 'running'`,
    [mapping],
  );
  return r.rowCount ?? 0;
}

/**
 * Takes every mapping's lock for the rest of the transaction `tx` (the same keys as
 * withMappingLock, so no run of any mapping can be under way or start until it ends). Waits up to
 * `waitMs` for each; returns the mapping that stayed busy, or undefined when all are held.
 * Take them before any row lock in `tx`: a run waiting on such a row while holding its mapping
 * would otherwise deadlock with it.
 */
export async function lockEveryMapping(tx: Queryable, waitMs: number): Promise<{ busy?: string }> {
  const names = await tx.query<{ name: string }>(
    'SELECT name FROM integration.table_mappings ORDER BY name',
  );
  return lockEachName(
    tx,
    names.rows.map((r) => r.name),
    LOCK,
    waitMs,
  );
}
