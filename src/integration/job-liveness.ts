import type { Db } from '../db/db.ts';
import { lockPool } from './mapping-lock.ts';

// A 64-bit advisory lock key per job id (a 32-bit hash could make two running jobs share one).
const KEY = "('x' || substr(md5('kobling.job:' || $1), 1, 16))::bit(64)::bigint";

/**
 * Runs a background job's handler holding its sign of life: a session advisory lock keyed on the
 * job's id, on a connection of the lock pool. PostgreSQL drops it with a killed worker's
 * connection, so an 'active' job whose lock is free has no live worker any more — where pg-boss
 * alone would keep it active until it expires an hour later.
 */
export async function whileAlive<T>(db: Db, jobId: string, fn: () => Promise<T>): Promise<T> {
  const client = await lockPool(db).connect();
  let broken = false;
  try {
    await client.query(`SELECT pg_advisory_lock(${KEY})`, [jobId]);
    try {
      return await fn();
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${KEY})`, [jobId]).catch(() => {
        broken = true;
      });
    }
  } finally {
    // A connection whose unlock failed may still hold the lock: destroy it rather than reuse it.
    client.release(broken);
  }
}

/** Whether a worker holds the job's sign of life right now (checked by taking and releasing it). */
export async function isAlive(db: Db, jobId: string): Promise<boolean> {
  const client = await lockPool(db).connect();
  try {
    const r = await client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${KEY}) AS got`, [
      jobId,
    ]);
    if (r.rows[0]?.got !== true) return true;
    await client.query(`SELECT pg_advisory_unlock(${KEY})`, [jobId]);
    return false;
  } finally {
    client.release();
  }
}
