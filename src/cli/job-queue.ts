import type { AppContext } from '../app/context.ts';
import { createQueues, type JobDefinition, type PgBoss, startJobQueue } from '../db/job-queue.ts';
import { systemParts } from './parts.ts';

/** Every part's job definitions (queue, handler, retry policy) for a process with a job queue. */
export function partJobs(ctx: AppContext): JobDefinition[] {
  const fullSyncLines = Object.assign({}, ...systemParts.map((p) => p.fullSyncLines?.(ctx) ?? {}));
  const withLines: AppContext = { ...ctx, fullSyncLines };
  return systemParts.flatMap((p) => p.jobs?.(withLines) ?? []);
}

/**
 * Starts the job queue of a process that sends jobs, with every part's queue created (idempotent:
 * an existing queue gets its definition's options). pg-boss refuses a job for a queue that does
 * not exist (`send` answers null), and without this only workers create the queues: a server run
 * with `--no-workers`, or `kobling sync full` before any worker ever started, had its jobs refused
 * instead of queued for the first worker to take.
 */
export async function openJobQueue(ctx: AppContext): Promise<PgBoss> {
  const boss = await startJobQueue(ctx.db, ctx.logger);
  try {
    await createQueues(boss, partJobs({ ...ctx, boss }));
  } catch (err) {
    await boss
      .stop({ graceful: false, wait: true })
      .catch((e) => ctx.logger.warn({ err: e }, 'stopping the job queue after a failed start'));
    throw err;
  }
  return boss;
}
