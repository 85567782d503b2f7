import type { AppContext } from '../app/context.ts';
import type { SystemPart } from '../app/system-part.ts';
import type { JobDefinition } from '../db/job-queue.ts';
import { withSessionLock } from '../db/session-lock.ts';
import { withSignOfLife } from '../integration/job-liveness.ts';
import {
  getRecurringJob,
  RECURRING_JOB_LOCK,
  type RunOutcome,
  recordJobRun,
} from '../integration/recurring-jobs.ts';
import { coerceError } from '../shared/errors.ts';
import { failure, type Result } from '../shared/result.ts';
import { causedByShutdown } from '../shared/stopping.ts';
import {
  runStatisticsJob,
  STATISTICS_JOB,
  type StatisticsJobState,
} from './account-statistics/statistics-job.ts';
import { openOutbound } from './outbound-context.ts';
import { INVOICE_MAPPING } from './posted-invoices/create-crm-invoices.ts';
import { runInvoicesFullSyncLine } from './posted-invoices/full-sync-line.ts';
import {
  type InvoiceJobState,
  runPostedInvoicesJob,
} from './posted-invoices/posted-invoices-job.ts';

export const STATISTICS_QUEUE = 'flows.customer-statistics';
export const POSTED_INVOICES_QUEUE = 'flows.posted-invoices';

const RUNNERS: Record<
  string,
  (ctx: AppContext, state: Record<string, unknown>, trigger: string) => Promise<Result<RunOutcome>>
> = {
  [STATISTICS_JOB]: async (ctx, state, trigger) => {
    const o = await openOutbound(ctx);
    return o.ok ? runStatisticsJob(o.value, state as StatisticsJobState, trigger) : o;
  },
  [INVOICE_MAPPING]: async (ctx, state, trigger) => {
    const o = await openOutbound(ctx);
    return o.ok ? runPostedInvoicesJob(o.value, state as InvoiceJobState, trigger) : o;
  },
};

/**
 * Runs one scheduled outbound job while holding an advisory lock named after it (two workers never
 * run it at once; a second start ends at once) and records the outcome on the job: last run,
 * status, message or error, and the next run (the inactivity timeout after a run with nothing to do).
 */
export async function runOutboundJob(
  ctx: AppContext,
  name: string,
  trigger: string,
): Promise<Result<RunOutcome>> {
  const run = RUNNERS[name];
  if (!run) return failure('not_found', `No outbound job named '${name}'`);
  const locked = await withSessionLock(
    ctx.db,
    { holder: `outbound job ${name}`, key: RECURRING_JOB_LOCK, id: name },
    async () => {
      const job = await getRecurringJob(ctx.db, name);
      let outcome: Result<RunOutcome>;
      try {
        outcome = await run(ctx, { ...(job?.state ?? {}) }, trigger);
      } catch (err) {
        // Ended by the process's stop (its job closed as "Stopped by shutdown"): thrown on, its
        // run not recorded and its state not advanced, so the queue runs it again after the restart.
        if (causedByShutdown(err)) throw err;
        outcome = failure('job_failed', coerceError(err).message);
      }
      await recordJobRun(
        ctx.db,
        ctx.clock,
        name,
        outcome.ok
          ? outcome.value
          : { didWork: false, message: outcome.error.message, error: outcome.error.message },
      );
      return outcome;
    },
  );
  return locked ? locked.value : failure('already_running', `The job ${name} is running already`);
}

/**
 * What a scheduled run of an outbound job leaves in the log: a failure is a warning; a run held
 * while its customers are being coupled (mapping_held) is a wait the job ends by itself on a
 * later run, so it is information, not a warning an operator must look at; a run that found the
 * job running already says nothing.
 */
export function logOutcome(
  logger: Pick<AppContext['logger'], 'info' | 'warn'>,
  name: string,
  r: Result<unknown>,
): void {
  if (r.ok || r.error.code === 'already_running') return;
  if (r.error.code === 'mapping_held')
    logger.info({ job: name, reason: r.error.message }, 'outbound job waits');
  else logger.warn({ job: name, error: r.error.message }, 'outbound job failed');
}

function jobFor(ctx: AppContext, queue: string, name: string): JobDefinition {
  // A job whose worker was killed is found by its sign of life, not left active for an hour.
  return withSignOfLife(ctx.db, {
    queue,
    policy: 'stately',
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 60 * 60,
    handler: async (data) => {
      const trigger = (data as { trigger?: string }).trigger ?? 'schedule';
      const r = await runOutboundJob(ctx, name, trigger);
      logOutcome(ctx.logger, name, r);
      return r.ok ? r.value : { error: r.error.message };
    },
  });
}

/**
 * The outbound flows as a part of the running system: their two recurring jobs' workers, and the
 * full synchronization line of the posted invoices (created as this flow creates them).
 */
export const outboundFlowsPart: SystemPart = {
  name: 'flows-outbound',
  jobs: (ctx) => [
    jobFor(ctx, STATISTICS_QUEUE, STATISTICS_JOB),
    jobFor(ctx, POSTED_INVOICES_QUEUE, INVOICE_MAPPING),
  ],
  fullSyncLines: (ctx) => ({
    [INVOICE_MAPPING]: async (trigger) => {
      const o = await openOutbound(ctx);
      if (!o.ok) return { jobId: null, status: 'failed', counters: {}, message: o.error.message };
      return runInvoicesFullSyncLine(o.value, trigger);
    },
  }),
};
