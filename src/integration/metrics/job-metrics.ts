import { Counter, Histogram } from 'prom-client';
import type { JobOutcome } from '../../db/job-queue.ts';
import { registry } from './registry.ts';

const jobs = new Counter({
  name: 'kobling_jobs_total',
  help: 'Background jobs this process ran, by queue and outcome (succeeded, failed, stopped: ended by a shutdown)',
  labelNames: ['queue', 'outcome'] as const,
  registers: [registry],
});

const jobDuration = new Histogram({
  name: 'kobling_job_duration_seconds',
  help: 'Time a background job of this process took, by queue',
  labelNames: ['queue'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
  registers: [registry],
});

/** `startWorkers`' onJobDone: counts one job this process ran. */
export function recordJob(queue: string, outcome: JobOutcome, ms: number): void {
  jobs.inc({ queue, outcome });
  jobDuration.observe({ queue }, ms / 1000);
}
