import type { Queryable } from './db.ts';

/**
 * Takes the transaction advisory lock of each name in `names`, in order, for the rest of the
 * transaction `tx`. `key` is the SQL expression of the lock's key over $1 (the key space: the same
 * expression the holders of those locks use). Waits up to `waitMs` for each; returns the name
 * that stayed busy, or undefined when all are held. When one stays busy the transaction is
 * aborted (lock_not_available); the caller ends it.
 */
export async function lockEachName(
  tx: Queryable,
  names: readonly string[],
  key: string,
  waitMs: number,
): Promise<{ busy?: string }> {
  await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${waitMs}ms`]);
  for (const name of names) {
    try {
      await tx.query(`SELECT pg_advisory_xact_lock(${key})`, [name]);
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') return { busy: name };
      throw err;
    }
  }
  await tx.query(`SELECT set_config('lock_timeout', '0', true)`);
  return {};
}
