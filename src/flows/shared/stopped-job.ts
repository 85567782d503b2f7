import { causedByShutdown } from '../../shared/stopping.ts';
import { closeCutJob } from '../../sync/engine/job-log.ts';
import type { JobCounters } from '../../sync/model.ts';
import type { OutboundContext } from '../outbound-context.ts';

/**
 * Whether a flow job's failure is its run's signal (the process stopping): it is then closed by
 * `closeStoppedJob` and thrown on, so the queue runs it again, rather than recorded as a failure.
 */
export const stoppedBySignal = (o: OutboundContext, err: unknown): boolean =>
  causedByShutdown(err) || (o.engine.signal?.aborted === true && err === o.engine.signal.reason);

/**
 * Closes the job of a flow run the process's stop ended between its chunks, as the synchronization
 * passes do (src/sync/engine/run-mapping.ts): failed as "Stopped by shutdown" with the counters of
 * what it wrote; its watermarks are not advanced, so the next run does the rest.
 */
export async function closeStoppedJob(
  o: OutboundContext,
  job: { jobId: string; name: string },
  counters: JobCounters,
): Promise<void> {
  o.app.logger.warn({ jobId: job.jobId, job: job.name, counters }, 'flow job stopped by shutdown');
  await closeCutJob(o.engine.db, o.app.logger, job, () => counters, 'Stopped by shutdown');
}
