import type { Db } from '../../db/db.ts';
import { withSessionLock } from '../../db/session-lock.ts';

/**
 * Runs `fn` as the one process that moves the review's lines to work: *Start* and the restarts
 * while they write lines and hand them out, and `advance` (each scheduler tick, each line's end).
 * Without it a tick that comes while *Start* writes the lines starts them itself, and *Start*
 * answers "Nothing new to start: … already at work". Waits for the holder; PostgreSQL drops the
 * lock with a killed holder's connection.
 */
export async function withReviewLock<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  const held = await withSessionLock(
    db,
    {
      holder: 'full synchronization review',
      key: "hashtext('kobling.fullSync:' || $1)",
      id: 'lines',
      wait: true,
    },
    fn,
  );
  // Only a lock taken without waiting can come back empty.
  if (!held) throw new Error('The full synchronization review lock was not taken');
  return held.value;
}
