import PgBoss from 'pg-boss';
import type { Logger } from '../shared/logger.ts';
import {
  abortInFlight,
  causedByShutdown,
  inFlightCount,
  trackInFlight,
  unlessStopping,
  waitForInFlight,
} from '../shared/stopping.ts';
import type { Db } from './db.ts';

export type { PgBoss };

/** A kind of background job: its queue name, its handler and the queue's retry policy. */
export interface JobDefinition<T extends object = object> {
  readonly queue: string;
  readonly handler: (data: T, job: { id: string; retryCount?: number }) => Promise<unknown>;
  readonly policy?: 'standard' | 'short' | 'singleton' | 'stately';
  readonly retryLimit?: number;
  readonly retryDelaySeconds?: number;
  readonly expireInSeconds?: number;
  /**
   * How often an idle worker of this queue looks for a job (pg-boss polls; at least 0.5 s): what a
   * job waits before a free worker starts it. The workers' default when not given.
   */
  readonly pollingIntervalSeconds?: number;
}

/** Starts pg-boss on the application database (schema `pgboss`), creating its tables when needed. */
export async function startJobQueue(db: Db, logger: Logger): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: db.url,
    schema: 'pgboss',
    max: 4,
    application_name: 'kobling-jobs',
  });
  // Once an orderly stop has begun, a query cut off by PostgreSQL shutting down (pg-boss's
  // maintenance and polling race the database's stop) is expected, not an error.
  let stopping = false;
  boss.on('error', (err) => {
    const whileStopping = () => logger.debug({ err }, 'job queue error while stopping');
    if (stopping) whileStopping();
    else unlessStopping(() => logger.error({ err }, 'job queue error'), whileStopping);
  });
  boss.on('stopped', () => {
    stopping = true;
  });
  const stop = boss.stop.bind(boss);
  boss.stop = (options) => {
    stopping = true;
    return stop(options);
  };
  await boss.start();
  return boss;
}

/** Creates the queues of `definitions` (idempotent); needed before sending to them. */
export async function createQueues(
  boss: PgBoss,
  definitions: readonly JobDefinition[],
): Promise<void> {
  for (const d of definitions) {
    const options = {
      name: d.queue,
      policy: d.policy ?? 'standard',
      retryLimit: d.retryLimit ?? 2,
      retryDelay: d.retryDelaySeconds ?? 30,
      expireInSeconds: d.expireInSeconds ?? 15 * 60,
    };
    await withRetryOnRace(async () => {
      const existing = await boss.getQueue(d.queue);
      if (existing) await boss.updateQueue(d.queue, options);
      else await boss.createQueue(d.queue, options);
    });
  }
}

/**
 * Creates a queue with pg-boss's defaults unless it exists (a queue some process's workers create
 * keeps their options). A race with another process creating it is settled by trying again; any
 * other failure is thrown: a queue that cannot be created is not quietly left out.
 */
export function ensureQueue(boss: PgBoss, queue: string): Promise<void> {
  return withRetryOnRace(() => boss.createQueue(queue));
}

/**
 * Several processes starting at once create the same queues: PostgreSQL may answer one of them
 * with a deadlock or a duplicate key while pg-boss builds the queue's tables. Trying again (the
 * queue then exists) settles it.
 */
async function withRetryOnRace(fn: () => Promise<void>, attempts = 5): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== '40P01' && code !== '23505' && code !== '42P07')) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * i));
    }
  }
}

/** How a job ended: `stopped` when the process's stop ended it (it runs again later). */
export type JobOutcome = 'succeeded' | 'failed' | 'stopped';

/**
 * Registers a worker per definition. Each job runs in its own try/catch so one failing job is
 * retried by pg-boss without affecting the others.
 */
export async function startWorkers(
  boss: PgBoss,
  definitions: readonly JobDefinition[],
  options: {
    concurrency: number;
    logger: Logger;
    pollingIntervalSeconds?: number;
    /** Told of every job's end (metrics). */
    onJobDone?: (queue: string, outcome: JobOutcome, ms: number) => void;
  },
): Promise<void> {
  await createQueues(boss, definitions);
  options.logger.info(
    { queues: definitions.map((d) => d.queue), concurrency: options.concurrency },
    'job workers started',
  );
  for (const d of definitions) {
    for (let i = 0; i < options.concurrency; i++) {
      await boss.work<object>(
        d.queue,
        {
          batchSize: 1,
          pollingIntervalSeconds: d.pollingIntervalSeconds ?? options.pollingIntervalSeconds ?? 2,
          includeMetadata: true,
        },
        // With one job per fetch, what the handler returns becomes the job's output in pg-boss.
        async (jobs) => {
          let output: unknown;
          for (const job of jobs) {
            const started = Date.now();
            try {
              // Tracked, so the orderly stop waits for it before the database pool closes.
              output = await trackInFlight(
                d.handler(job.data as never, {
                  id: job.id,
                  retryCount: (job as { retryCount?: number }).retryCount,
                }),
              );
              options.logger.debug(
                { queue: d.queue, jobId: job.id, ms: Date.now() - started },
                'job done',
              );
              options.onJobDone?.(d.queue, 'succeeded', Date.now() - started);
            } catch (err) {
              const line = { queue: d.queue, jobId: job.id, ms: Date.now() - started };
              // pg-boss hands it out again after its retry delay, to this or another worker.
              const stopped = causedByShutdown(err);
              if (stopped) options.logger.warn(line, 'job stopped by shutdown');
              else options.logger.warn({ ...line, err }, 'job failed');
              options.onJobDone?.(d.queue, stopped ? 'stopped' : 'failed', line.ms);
              throw err;
            }
          }
          return output;
        },
      );
    }
  }
}

/** How long the orderly stop lets running jobs finish before it aborts them. */
export const FINISH_RUNNING_MS = 5_000;
/** How long aborted work then has to end (at its next chunk) before the pools close anyway. */
export const ABORT_GRACE_MS = 4_000;

/**
 * Stops a process's job queue in order: no new job is taken, the running ones get
 * `FINISH_RUNNING_MS` to finish, then are aborted (`shutdownSignal`: they end at their next chunk
 * as "stopped by shutdown", and pg-boss hands them out again later) and get `ABORT_GRACE_MS` more.
 * Only then may the database pool close: work still running after that is reported, and whatever
 * it then fails with is the stop's doing (logged as such, see causedByShutdown).
 */
export async function stopJobQueue(
  boss: PgBoss,
  logger: Logger,
  bounds = { finishMs: FINISH_RUNNING_MS, abortMs: ABORT_GRACE_MS },
): Promise<void> {
  const running = inFlightCount();
  if (running > 0)
    logger.info({ running, waitMs: bounds.finishMs }, 'stopping: letting running jobs finish');
  const abortTimer = setTimeout(() => {
    if (inFlightCount() === 0) return;
    logger.warn({ running: inFlightCount() }, 'stopping: aborting the jobs still running');
    abortInFlight();
  }, bounds.finishMs);
  try {
    // pg-boss stops fetching, waits while its jobs run, then settles the ones left and closes.
    await boss.stop({ graceful: true, wait: true, timeout: bounds.finishMs + bounds.abortMs });
  } finally {
    clearTimeout(abortTimer);
  }
  // Work pg-boss does not see (runs started by a request) and handlers pg-boss gave up on.
  if (inFlightCount() > 0) {
    abortInFlight();
    const left = await waitForInFlight(bounds.abortMs);
    if (left > 0)
      logger.warn(
        { running: left },
        'stopping: work still running after the bound; closing anyway',
      );
  }
}
