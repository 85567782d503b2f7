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
