import type { Db } from './db.ts';
import type { JobDefinition } from './job-queue.ts';

export const HEARTBEAT_QUEUE = 'system.heartbeat';

/**
 * A job any worker can take: it records which worker handled it and when, in `app.settings`
 * (key `workerHeartbeat`). Sent once a minute by the server so operators see that workers run.
 */
export function heartbeatJob(db: Db, workerName: string): JobDefinition<{ sentAt?: string }> {
  return {
    queue: HEARTBEAT_QUEUE,
    policy: 'standard',
    retryLimit: 0,
    handler: async (data) => {
      await db.query(
        `INSERT INTO app.settings (key, value, updated_at) VALUES ('workerHeartbeat', $1, now())
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [
          JSON.stringify({
            worker: workerName,
            sentAt: data.sentAt ?? null,
            handledAt: new Date().toISOString(),
          }),
        ],
      );
    },
  };
}

/** How long the minute heartbeat may go unhandled before no worker counts as seen. */
export const WORKER_SEEN_WITHIN_S = 180;

/**
 * Whether a worker took the heartbeat lately (within `WORKER_SEEN_WITHIN_S`): queued work then
 * waits for a free worker, not for one to be started.
 */
export async function workerSeen(db: Db): Promise<boolean> {
  const r = await db.query<{ age: number | null }>(
    "SELECT extract(epoch FROM now() - updated_at)::float8 AS age FROM app.settings WHERE key = 'workerHeartbeat'",
  );
  const age = r.rows[0]?.age;
  return age !== undefined && age !== null && age <= WORKER_SEEN_WITHIN_S;
}
